using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

namespace Piazza.Data.Migrations;

/// <summary>
/// Composing and broadcasting (issue 3): a bulletin's target channels and audience, its deliveries (the durable
/// queue the dispatcher claims from), channel leases (which node sends for a channel) and the sending policy.
/// Hand-written like <see cref="Initial"/>; <c>MigrationsMatchModelTests</c> checks it against the model.
/// </summary>
[DbContext(typeof(PiazzaDb))]
[Migration("20261124000000_Broadcast")]
public sealed class Broadcast : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.AddColumn<int>(name: "audience", table: "posts", nullable: false, defaultValue: 0);
        migrationBuilder.AddColumn<string>(name: "author_name", table: "posts", maxLength: 256, nullable: false, defaultValue: "");
        migrationBuilder.AddColumn<DateTime>(name: "released_at", table: "posts", nullable: true);
        migrationBuilder.AddColumn<DateTime>(name: "finished_at", table: "posts", nullable: true);
        migrationBuilder.AddColumn<string>(name: "by_name", table: "post_state_changes", maxLength: 256, nullable: true);
        migrationBuilder.CreateIndex(name: "IX_posts_state_scheduled_for", table: "posts", columns: new[] { "state", "scheduled_for" });

        migrationBuilder.CreateTable(
            name: "post_channels",
            columns: table => new
            {
                post_id = table.Column<Guid>(nullable: false),
                channel_id = table.Column<Guid>(nullable: false),
                organization_id = table.Column<Guid>(nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_post_channels", x => new { x.post_id, x.channel_id });
                table.ForeignKey("FK_post_channels_posts_post_id", x => x.post_id, "posts", "id", onDelete: ReferentialAction.Cascade);
                table.ForeignKey("FK_post_channels_channels_channel_id", x => x.channel_id, "channels", "id", onDelete: ReferentialAction.Cascade);
            });
        migrationBuilder.CreateIndex(name: "IX_post_channels_channel_id", table: "post_channels", column: "channel_id");

        migrationBuilder.CreateTable(
            name: "deliveries",
            columns: table => new
            {
                id = table.Column<long>(nullable: false)
                    .Annotation("Sqlite:Autoincrement", true)
                    .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                post_id = table.Column<Guid>(nullable: false),
                channel_id = table.Column<Guid>(nullable: false),
                subscriber_id = table.Column<long>(nullable: false),
                language = table.Column<string>(maxLength: 35, nullable: false),
                priority = table.Column<int>(nullable: false),
                state = table.Column<int>(nullable: false),
                due_at = table.Column<DateTime>(nullable: false),
                attempts = table.Column<int>(nullable: false),
                created_at = table.Column<DateTime>(nullable: false),
                sent_at = table.Column<DateTime>(nullable: true),
                delivered_at = table.Column<DateTime>(nullable: true),
                read_at = table.Column<DateTime>(nullable: true),
                platform_message_id = table.Column<string>(maxLength: 200, nullable: true),
                error = table.Column<string>(maxLength: 500, nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_deliveries", x => x.id);
                table.ForeignKey("FK_deliveries_posts_post_id", x => x.post_id, "posts", "id", onDelete: ReferentialAction.Cascade);
                table.ForeignKey("FK_deliveries_channels_channel_id", x => x.channel_id, "channels", "id", onDelete: ReferentialAction.Cascade);
            });
        migrationBuilder.CreateIndex(
            name: "IX_deliveries_queue", table: "deliveries", columns: new[] { "channel_id", "state", "priority", "due_at", "id" },
            descending: new[] { false, false, true, false, false }, filter: "state IN (0, 1)");
        migrationBuilder.CreateIndex(
            name: "UX_deliveries_idempotency", table: "deliveries", columns: new[] { "subscriber_id", "post_id", "channel_id" }, unique: true);
        migrationBuilder.CreateIndex(
            name: "IX_deliveries_post_id_channel_id_state", table: "deliveries", columns: new[] { "post_id", "channel_id", "state" });
        migrationBuilder.CreateIndex(
            name: "IX_deliveries_platform_message", table: "deliveries", columns: new[] { "channel_id", "platform_message_id" },
            filter: "platform_message_id IS NOT NULL");

        migrationBuilder.CreateTable(
            name: "channel_leases",
            columns: table => new
            {
                channel_id = table.Column<Guid>(nullable: false),
                node = table.Column<string>(maxLength: 100, nullable: false),
                acquired_at = table.Column<DateTime>(nullable: false),
                expires_at = table.Column<DateTime>(nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_channel_leases", x => x.channel_id);
                table.ForeignKey("FK_channel_leases_channels_channel_id", x => x.channel_id, "channels", "id", onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateTable(
            name: "sending_policies",
            columns: table => new
            {
                organization_id = table.Column<Guid>(nullable: false),
                monthly_cap = table.Column<int>(nullable: true),
                service_hours = table.Column<string>(maxLength: 200, nullable: false),
                quiet_hours = table.Column<string>(maxLength: 20, nullable: false),
                updated_at = table.Column<DateTime>(nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_sending_policies", x => x.organization_id);
                table.ForeignKey("FK_sending_policies_organizations_organization_id", x => x.organization_id, "organizations", "id", onDelete: ReferentialAction.Restrict);
            });
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropTable(name: "sending_policies");
        migrationBuilder.DropTable(name: "channel_leases");
        migrationBuilder.DropTable(name: "deliveries");
        migrationBuilder.DropTable(name: "post_channels");
        migrationBuilder.DropIndex(name: "IX_posts_state_scheduled_for", table: "posts");
        migrationBuilder.DropColumn(name: "by_name", table: "post_state_changes");
        migrationBuilder.DropColumn(name: "finished_at", table: "posts");
        migrationBuilder.DropColumn(name: "released_at", table: "posts");
        migrationBuilder.DropColumn(name: "author_name", table: "posts");
        migrationBuilder.DropColumn(name: "audience", table: "posts");
    }
}
