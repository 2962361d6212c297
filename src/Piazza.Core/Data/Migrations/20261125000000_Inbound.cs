using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

namespace Piazza.Data.Migrations;

/// <summary>
/// Messages from citizens (issue 4): what the channels' webhooks receive, stored once per platform message id and
/// handled by the inbound processor (keywords) or kept for the staff. Hand-written like <see cref="Initial"/>;
/// <c>MigrationsMatchModelTests</c> checks it against the model.
/// </summary>
[DbContext(typeof(PiazzaDb))]
[Migration("20261125000000_Inbound")]
public sealed class Inbound : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "inbound_messages",
            columns: table => new
            {
                id = table.Column<long>(nullable: false)
                    .Annotation("Sqlite:Autoincrement", true)
                    .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                organization_id = table.Column<Guid>(nullable: false),
                channel_id = table.Column<Guid>(nullable: false),
                platform_message_id = table.Column<string>(maxLength: 200, nullable: false),
                address = table.Column<string>(maxLength: 200, nullable: false),
                display_name = table.Column<string>(maxLength: 200, nullable: true),
                text = table.Column<string>(maxLength: 4096, nullable: false),
                sent_at = table.Column<DateTime>(nullable: false),
                received_at = table.Column<DateTime>(nullable: false),
                state = table.Column<int>(nullable: false),
                kind = table.Column<int>(nullable: false),
                subscriber_id = table.Column<long>(nullable: true),
                replied_out_of_hours = table.Column<bool>(nullable: false),
                note = table.Column<string>(maxLength: 500, nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_inbound_messages", x => x.id);
                table.ForeignKey("FK_inbound_messages_channels_channel_id", x => x.channel_id, "channels", "id", onDelete: ReferentialAction.Cascade);
                table.ForeignKey("FK_inbound_messages_organizations_organization_id", x => x.organization_id, "organizations", "id", onDelete: ReferentialAction.Restrict);
            });
        migrationBuilder.CreateIndex(name: "UX_inbound_messages_platform_id", table: "inbound_messages", columns: new[] { "channel_id", "platform_message_id" }, unique: true);
        migrationBuilder.CreateIndex(name: "IX_inbound_messages_channel_id_address_received_at", table: "inbound_messages", columns: new[] { "channel_id", "address", "received_at" });
        migrationBuilder.CreateIndex(name: "IX_inbound_messages_pending", table: "inbound_messages", column: "id", filter: "state = 0");
        migrationBuilder.CreateIndex(name: "IX_inbound_messages_organization_id_state_received_at", table: "inbound_messages", columns: new[] { "organization_id", "state", "received_at" });
    }

    protected override void Down(MigrationBuilder migrationBuilder) => migrationBuilder.DropTable(name: "inbound_messages");
}
