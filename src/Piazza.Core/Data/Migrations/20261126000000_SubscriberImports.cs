using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Piazza.Data.Migrations;

/// <summary>
/// Import of an existing broadcast list (issue 4): a list checked in the console is kept here, for at most half an
/// hour, until it is imported. Hand-written like <see cref="Initial"/>; <c>MigrationsMatchModelTests</c> checks it
/// against the model.
/// </summary>
[DbContext(typeof(PiazzaDb))]
[Migration("20261126000000_SubscriberImports")]
public sealed class SubscriberImports : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "subscriber_import_files",
            columns: table => new
            {
                id = table.Column<Guid>(nullable: false),
                organization_id = table.Column<Guid>(nullable: false),
                channel_id = table.Column<Guid>(nullable: false),
                file_name = table.Column<string>(maxLength: 200, nullable: false),
                policy_version = table.Column<string>(maxLength: 60, nullable: false),
                source = table.Column<string>(maxLength: 200, nullable: true),
                content = table.Column<byte[]>(nullable: false),
                created_by = table.Column<string>(maxLength: 100, nullable: true),
                created_at = table.Column<DateTime>(nullable: false),
                expires_at = table.Column<DateTime>(nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_subscriber_import_files", x => x.id);
                table.ForeignKey(
                    name: "FK_subscriber_import_files_organizations_organization_id",
                    column: x => x.organization_id,
                    principalTable: "organizations",
                    principalColumn: "id",
                    onDelete: ReferentialAction.Restrict);
                table.ForeignKey(
                    name: "FK_subscriber_import_files_channels_channel_id",
                    column: x => x.channel_id,
                    principalTable: "channels",
                    principalColumn: "id",
                    onDelete: ReferentialAction.Cascade);
            });
        migrationBuilder.CreateIndex(name: "IX_subscriber_import_files_channel_id", table: "subscriber_import_files", column: "channel_id");
        migrationBuilder.CreateIndex(name: "IX_subscriber_import_files_expires_at", table: "subscriber_import_files", column: "expires_at");
        migrationBuilder.CreateIndex(name: "IX_subscriber_import_files_organization_id", table: "subscriber_import_files", column: "organization_id");
    }

    protected override void Down(MigrationBuilder migrationBuilder) => migrationBuilder.DropTable(name: "subscriber_import_files");
}
