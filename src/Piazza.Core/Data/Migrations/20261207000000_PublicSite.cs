using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Piazza.Data.Migrations;

/// <summary>
/// The public site (issue 6): a bulletin may say until when it is current (<c>expires_at</c>), which decides how long an
/// emergency stays pinned at the top of the site's home. Hand-written like <see cref="Initial"/>;
/// <c>MigrationsMatchModelTests</c> checks it against the model.
/// </summary>
[DbContext(typeof(PiazzaDb))]
[Migration("20261207000000_PublicSite")]
public sealed class PublicSite : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) =>
        migrationBuilder.AddColumn<DateTime>(name: "expires_at", table: "posts", nullable: true);

    protected override void Down(MigrationBuilder migrationBuilder) =>
        migrationBuilder.DropColumn(name: "expires_at", table: "posts");
}
