using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Piazza.Data.Migrations;

/// <summary>
/// Issue 6: the published policies of the channels, versioned (a version per row, its text per language in
/// <c>channel_policy_texts</c>; never edited), and the topic a Telegram or WhatsApp flyer campaign subscribes to.
/// Hand-written like <see cref="Initial"/>; <c>MigrationsMatchModelTests</c> checks it against the model.
/// </summary>
[DbContext(typeof(PiazzaDb))]
[Migration("20261207000100_ChannelPolicies")]
public sealed class ChannelPolicies : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.AddColumn<string>(name: "topic_key", table: "flyer_campaigns", maxLength: 60, nullable: true);

        migrationBuilder.CreateTable(
            name: "channel_policies",
            columns: table => new
            {
                id = table.Column<Guid>(nullable: false),
                organization_id = table.Column<Guid>(nullable: false),
                channel_id = table.Column<Guid>(nullable: false),
                version = table.Column<int>(nullable: false),
                published_at = table.Column<DateTime>(nullable: false),
                published_by = table.Column<string>(maxLength: 256, nullable: true),
                note = table.Column<string>(maxLength: 500, nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_channel_policies", x => x.id);
                table.ForeignKey("FK_channel_policies_channels_channel_id", x => x.channel_id, "channels", "id", onDelete: ReferentialAction.Cascade);
                table.ForeignKey("FK_channel_policies_organizations_organization_id", x => x.organization_id, "organizations", "id", onDelete: ReferentialAction.Restrict);
            });
        migrationBuilder.CreateIndex(name: "IX_channel_policies_channel_id_version", table: "channel_policies", columns: new[] { "channel_id", "version" }, unique: true);
        migrationBuilder.CreateIndex(name: "IX_channel_policies_organization_id", table: "channel_policies", column: "organization_id");

        migrationBuilder.CreateTable(
            name: "channel_policy_texts",
            columns: table => new
            {
                policy_id = table.Column<Guid>(nullable: false),
                language = table.Column<string>(maxLength: 35, nullable: false),
                organization_id = table.Column<Guid>(nullable: false),
                markdown = table.Column<string>(nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_channel_policy_texts", x => new { x.policy_id, x.language });
                table.ForeignKey("FK_channel_policy_texts_channel_policies_policy_id", x => x.policy_id, "channel_policies", "id", onDelete: ReferentialAction.Cascade);
            });
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropTable(name: "channel_policy_texts");
        migrationBuilder.DropTable(name: "channel_policies");
        migrationBuilder.DropColumn(name: "topic_key", table: "flyer_campaigns");
    }
}
