using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

namespace Piazza.Data.Migrations;

/// <summary>
/// WeChat (issue 5): the shared access token per account, the tags Piazza keeps on each account and who is in them,
/// the mass sends (quota, completion, comments), flyer campaigns with their QR codes, comments on bulletins, and the
/// events (follow, unfollow, scan, menu click) among the inbound messages. Hand-written like <see cref="Initial"/>;
/// <c>MigrationsMatchModelTests</c> checks it against the model.
/// </summary>
[DbContext(typeof(PiazzaDb))]
[Migration("20261127000000_WeChat")]
public sealed class WeChat : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.AddColumn<string>(name: "event", table: "inbound_messages", maxLength: 40, nullable: true);
        migrationBuilder.AddColumn<string>(name: "event_key", table: "inbound_messages", maxLength: 200, nullable: true);

        migrationBuilder.CreateTable(
            name: "we_chat_tokens",
            columns: table => new
            {
                channel_id = table.Column<Guid>(nullable: false),
                token = table.Column<string>(maxLength: 2000, nullable: true),
                expires_at = table.Column<DateTime>(nullable: false),
                refresh_node = table.Column<string>(maxLength: 100, nullable: true),
                refresh_until = table.Column<DateTime>(nullable: true),
                version = table.Column<int>(nullable: false),
                updated_at = table.Column<DateTime>(nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_we_chat_tokens", x => x.channel_id);
                table.ForeignKey("FK_we_chat_tokens_channels_channel_id", x => x.channel_id, "channels", "id", onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateTable(
            name: "we_chat_tags",
            columns: table => new
            {
                channel_id = table.Column<Guid>(nullable: false),
                key = table.Column<string>(maxLength: 100, nullable: false),
                tag_id = table.Column<int>(nullable: false),
                name = table.Column<string>(maxLength: 30, nullable: false),
                created_at = table.Column<DateTime>(nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_we_chat_tags", x => new { x.channel_id, x.key });
                table.ForeignKey("FK_we_chat_tags_channels_channel_id", x => x.channel_id, "channels", "id", onDelete: ReferentialAction.Cascade);
            });
        migrationBuilder.CreateIndex(name: "IX_we_chat_tags_channel_id_tag_id", table: "we_chat_tags", columns: new[] { "channel_id", "tag_id" }, unique: true);

        migrationBuilder.CreateTable(
            name: "we_chat_tag_members",
            columns: table => new
            {
                channel_id = table.Column<Guid>(nullable: false),
                tag_id = table.Column<int>(nullable: false),
                subscriber_id = table.Column<long>(nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_we_chat_tag_members", x => new { x.channel_id, x.tag_id, x.subscriber_id });
                table.ForeignKey("FK_we_chat_tag_members_channels_channel_id", x => x.channel_id, "channels", "id", onDelete: ReferentialAction.Cascade);
            });
        migrationBuilder.CreateIndex(name: "IX_we_chat_tag_members_subscriber_id", table: "we_chat_tag_members", column: "subscriber_id");

        migrationBuilder.CreateTable(
            name: "we_chat_mass_sends",
            columns: table => new
            {
                id = table.Column<long>(nullable: false)
                    .Annotation("Sqlite:Autoincrement", true)
                    .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                organization_id = table.Column<Guid>(nullable: false),
                channel_id = table.Column<Guid>(nullable: false),
                post_id = table.Column<Guid>(nullable: false),
                delivery_id = table.Column<long>(nullable: false),
                tag_id = table.Column<int>(nullable: false),
                language = table.Column<string>(maxLength: 35, nullable: false),
                msg_id = table.Column<string>(maxLength: 64, nullable: false),
                msg_data_id = table.Column<string>(maxLength: 64, nullable: true),
                sent_at = table.Column<DateTime>(nullable: false),
                emergency = table.Column<bool>(nullable: false),
                status = table.Column<string>(maxLength: 100, nullable: true),
                total_count = table.Column<int>(nullable: true),
                sent_count = table.Column<int>(nullable: true),
                error_count = table.Column<int>(nullable: true),
                finished_at = table.Column<DateTime>(nullable: true),
                comments_read_at = table.Column<DateTime>(nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_we_chat_mass_sends", x => x.id);
                table.ForeignKey("FK_we_chat_mass_sends_channels_channel_id", x => x.channel_id, "channels", "id", onDelete: ReferentialAction.Cascade);
                table.ForeignKey("FK_we_chat_mass_sends_organizations_organization_id", x => x.organization_id, "organizations", "id", onDelete: ReferentialAction.Restrict);
            });
        migrationBuilder.CreateIndex(name: "IX_we_chat_mass_sends_channel_id_msg_id", table: "we_chat_mass_sends", columns: new[] { "channel_id", "msg_id" }, unique: true);
        migrationBuilder.CreateIndex(name: "IX_we_chat_mass_sends_channel_id_sent_at", table: "we_chat_mass_sends", columns: new[] { "channel_id", "sent_at" });
        migrationBuilder.CreateIndex(name: "IX_we_chat_mass_sends_post_id", table: "we_chat_mass_sends", column: "post_id");
        migrationBuilder.CreateIndex(name: "IX_we_chat_mass_sends_organization_id", table: "we_chat_mass_sends", column: "organization_id");

        migrationBuilder.CreateTable(
            name: "flyer_campaigns",
            columns: table => new
            {
                id = table.Column<Guid>(nullable: false),
                organization_id = table.Column<Guid>(nullable: false),
                channel_id = table.Column<Guid>(nullable: false),
                name = table.Column<string>(maxLength: 200, nullable: false),
                scene = table.Column<string>(maxLength: 64, nullable: false),
                join_url = table.Column<string>(maxLength: 500, nullable: true),
                ticket = table.Column<string>(maxLength: 200, nullable: true),
                created_at = table.Column<DateTime>(nullable: false),
                created_by = table.Column<string>(maxLength: 256, nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_flyer_campaigns", x => x.id);
                table.ForeignKey("FK_flyer_campaigns_channels_channel_id", x => x.channel_id, "channels", "id", onDelete: ReferentialAction.Cascade);
                table.ForeignKey("FK_flyer_campaigns_organizations_organization_id", x => x.organization_id, "organizations", "id", onDelete: ReferentialAction.Restrict);
            });
        migrationBuilder.CreateIndex(name: "IX_flyer_campaigns_channel_id_scene", table: "flyer_campaigns", columns: new[] { "channel_id", "scene" }, unique: true);
        migrationBuilder.CreateIndex(name: "IX_flyer_campaigns_organization_id", table: "flyer_campaigns", column: "organization_id");

        migrationBuilder.CreateTable(
            name: "bulletin_comments",
            columns: table => new
            {
                id = table.Column<long>(nullable: false)
                    .Annotation("Sqlite:Autoincrement", true)
                    .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                organization_id = table.Column<Guid>(nullable: false),
                channel_id = table.Column<Guid>(nullable: false),
                post_id = table.Column<Guid>(nullable: false),
                article_id = table.Column<string>(maxLength: 64, nullable: false),
                article_index = table.Column<int>(nullable: false),
                platform_comment_id = table.Column<string>(maxLength: 64, nullable: false),
                author = table.Column<string>(maxLength: 200, nullable: false),
                text = table.Column<string>(maxLength: 4096, nullable: false),
                written_at = table.Column<DateTime>(nullable: false),
                shown = table.Column<bool>(nullable: false),
                hidden = table.Column<bool>(nullable: false),
                reply = table.Column<string>(maxLength: 4096, nullable: true),
                replied_at = table.Column<DateTime>(nullable: true),
                replied_by = table.Column<string>(maxLength: 256, nullable: true),
                read_at = table.Column<DateTime>(nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_bulletin_comments", x => x.id);
                table.ForeignKey("FK_bulletin_comments_channels_channel_id", x => x.channel_id, "channels", "id", onDelete: ReferentialAction.Cascade);
                table.ForeignKey("FK_bulletin_comments_posts_post_id", x => x.post_id, "posts", "id", onDelete: ReferentialAction.Cascade);
                table.ForeignKey("FK_bulletin_comments_organizations_organization_id", x => x.organization_id, "organizations", "id", onDelete: ReferentialAction.Restrict);
            });
        migrationBuilder.CreateIndex(
            name: "UX_bulletin_comments_platform_id", table: "bulletin_comments",
            columns: new[] { "channel_id", "article_id", "article_index", "platform_comment_id" }, unique: true);
        migrationBuilder.CreateIndex(name: "IX_bulletin_comments_post_id_written_at", table: "bulletin_comments", columns: new[] { "post_id", "written_at" });
        migrationBuilder.CreateIndex(name: "IX_bulletin_comments_organization_id", table: "bulletin_comments", column: "organization_id");
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropTable(name: "bulletin_comments");
        migrationBuilder.DropTable(name: "flyer_campaigns");
        migrationBuilder.DropTable(name: "we_chat_mass_sends");
        migrationBuilder.DropTable(name: "we_chat_tag_members");
        migrationBuilder.DropTable(name: "we_chat_tags");
        migrationBuilder.DropTable(name: "we_chat_tokens");
        migrationBuilder.DropColumn(name: "event_key", table: "inbound_messages");
        migrationBuilder.DropColumn(name: "event", table: "inbound_messages");
    }
}
