using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

namespace Piazza.Data.Migrations;

/// <summary>
/// The first schema. Written with MigrationBuilder (EF Core's design-time package is not available
/// here) and shared by both providers: columns name their CLR type and length, and each provider's
/// SQL generator picks its own store type (uuid / TEXT, timestamptz / TEXT…). Identity columns carry
/// the annotation of each provider. <c>MigrationsMatchModelTests</c> checks that the migrated schema
/// equals the one EF derives from the model, on SQLite and on PostgreSQL.
/// </summary>
[DbContext(typeof(PiazzaDb))]
[Migration("20261122000000_Initial")]
public sealed class Initial : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "data_protection_keys",
            columns: table => new
            {
                id = table.Column<int>(nullable: false)
                    .Annotation("Sqlite:Autoincrement", true)
                    .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                friendly_name = table.Column<string>(nullable: true),
                xml = table.Column<string>(nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_data_protection_keys", x => x.id);
            });

        migrationBuilder.CreateTable(
            name: "organizations",
            columns: table => new
            {
                id = table.Column<Guid>(nullable: false),
                name = table.Column<string>(maxLength: 200, nullable: false),
                slug = table.Column<string>(maxLength: 60, nullable: false),
                time_zone = table.Column<string>(maxLength: 64, nullable: false),
                population = table.Column<int>(nullable: false),
                created_at = table.Column<DateTime>(nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_organizations", x => x.id);
            });

        migrationBuilder.CreateTable(
            name: "api_keys",
            columns: table => new
            {
                id = table.Column<Guid>(nullable: false),
                organization_id = table.Column<Guid>(nullable: false),
                name = table.Column<string>(maxLength: 200, nullable: false),
                prefix = table.Column<string>(maxLength: 20, nullable: false),
                hash = table.Column<string>(maxLength: 64, nullable: false),
                scopes = table.Column<string>(maxLength: 1000, nullable: false),
                created_at = table.Column<DateTime>(nullable: false),
                last_used_at = table.Column<DateTime>(nullable: true),
                revoked_at = table.Column<DateTime>(nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_api_keys", x => x.id);
                table.ForeignKey(
                    name: "FK_api_keys_organizations_organization_id",
                    column: x => x.organization_id,
                    principalTable: "organizations",
                    principalColumn: "id",
                    onDelete: ReferentialAction.Restrict);
            });

        migrationBuilder.CreateTable(
            name: "audit_entries",
            columns: table => new
            {
                id = table.Column<long>(nullable: false)
                    .Annotation("Sqlite:Autoincrement", true)
                    .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                organization_id = table.Column<Guid>(nullable: false),
                at = table.Column<DateTime>(nullable: false),
                actor_kind = table.Column<int>(nullable: false),
                actor_id = table.Column<string>(maxLength: 100, nullable: true),
                actor_name = table.Column<string>(maxLength: 256, nullable: false),
                action = table.Column<string>(maxLength: 100, nullable: false),
                object_type = table.Column<string>(maxLength: 60, nullable: false),
                object_id = table.Column<string>(maxLength: 100, nullable: true),
                detail = table.Column<string>(maxLength: 1000, nullable: true),
                remote_ip = table.Column<string>(maxLength: 64, nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_audit_entries", x => x.id);
                table.ForeignKey(
                    name: "FK_audit_entries_organizations_organization_id",
                    column: x => x.organization_id,
                    principalTable: "organizations",
                    principalColumn: "id",
                    onDelete: ReferentialAction.Restrict);
            });

        migrationBuilder.CreateTable(
            name: "offices",
            columns: table => new
            {
                id = table.Column<Guid>(nullable: false),
                organization_id = table.Column<Guid>(nullable: false),
                name = table.Column<string>(maxLength: 200, nullable: false),
                email = table.Column<string>(maxLength: 256, nullable: true),
                created_at = table.Column<DateTime>(nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_offices", x => x.id);
                table.ForeignKey(
                    name: "FK_offices_organizations_organization_id",
                    column: x => x.organization_id,
                    principalTable: "organizations",
                    principalColumn: "id",
                    onDelete: ReferentialAction.Restrict);
            });

        migrationBuilder.CreateTable(
            name: "organization_languages",
            columns: table => new
            {
                organization_id = table.Column<Guid>(nullable: false),
                tag = table.Column<string>(maxLength: 35, nullable: false),
                position = table.Column<int>(nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_organization_languages", x => new { x.organization_id, x.tag });
                table.ForeignKey(
                    name: "FK_organization_languages_organizations_organization_id",
                    column: x => x.organization_id,
                    principalTable: "organizations",
                    principalColumn: "id",
                    onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateTable(
            name: "population_groups",
            columns: table => new
            {
                id = table.Column<Guid>(nullable: false),
                organization_id = table.Column<Guid>(nullable: false),
                name = table.Column<string>(maxLength: 200, nullable: false),
                language = table.Column<string>(maxLength: 35, nullable: true),
                size = table.Column<int>(nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_population_groups", x => x.id);
                table.ForeignKey(
                    name: "FK_population_groups_organizations_organization_id",
                    column: x => x.organization_id,
                    principalTable: "organizations",
                    principalColumn: "id",
                    onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateTable(
            name: "staff_users",
            columns: table => new
            {
                id = table.Column<Guid>(nullable: false),
                organization_id = table.Column<Guid>(nullable: false),
                display_name = table.Column<string>(maxLength: 200, nullable: false),
                ui_culture = table.Column<string>(maxLength: 10, nullable: false),
                is_active = table.Column<bool>(nullable: false),
                created_at = table.Column<DateTime>(nullable: false),
                user_name = table.Column<string>(maxLength: 256, nullable: true),
                normalized_user_name = table.Column<string>(maxLength: 256, nullable: true),
                email = table.Column<string>(maxLength: 256, nullable: true),
                normalized_email = table.Column<string>(maxLength: 256, nullable: true),
                email_confirmed = table.Column<bool>(nullable: false),
                password_hash = table.Column<string>(nullable: true),
                security_stamp = table.Column<string>(nullable: true),
                concurrency_stamp = table.Column<string>(nullable: true),
                phone_number = table.Column<string>(nullable: true),
                phone_number_confirmed = table.Column<bool>(nullable: false),
                two_factor_enabled = table.Column<bool>(nullable: false),
                lockout_end = table.Column<DateTimeOffset>(nullable: true),
                lockout_enabled = table.Column<bool>(nullable: false),
                access_failed_count = table.Column<int>(nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_staff_users", x => x.id);
                table.ForeignKey(
                    name: "FK_staff_users_organizations_organization_id",
                    column: x => x.organization_id,
                    principalTable: "organizations",
                    principalColumn: "id",
                    onDelete: ReferentialAction.Restrict);
            });

        migrationBuilder.CreateTable(
            name: "channels",
            columns: table => new
            {
                id = table.Column<Guid>(nullable: false),
                organization_id = table.Column<Guid>(nullable: false),
                kind = table.Column<int>(nullable: false),
                name = table.Column<string>(maxLength: 200, nullable: false),
                is_sandbox = table.Column<bool>(nullable: false),
                is_enabled = table.Column<bool>(nullable: false),
                office_id = table.Column<Guid>(nullable: true),
                settings_json = table.Column<string>(nullable: false),
                protected_secrets = table.Column<string>(nullable: true),
                created_at = table.Column<DateTime>(nullable: false),
                updated_at = table.Column<DateTime>(nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_channels", x => x.id);
                table.ForeignKey(
                    name: "FK_channels_offices_office_id",
                    column: x => x.office_id,
                    principalTable: "offices",
                    principalColumn: "id",
                    onDelete: ReferentialAction.SetNull);
                table.ForeignKey(
                    name: "FK_channels_organizations_organization_id",
                    column: x => x.organization_id,
                    principalTable: "organizations",
                    principalColumn: "id",
                    onDelete: ReferentialAction.Restrict);
            });

        migrationBuilder.CreateTable(
            name: "topics",
            columns: table => new
            {
                id = table.Column<Guid>(nullable: false),
                organization_id = table.Column<Guid>(nullable: false),
                key = table.Column<string>(maxLength: 60, nullable: false),
                office_id = table.Column<Guid>(nullable: true),
                is_active = table.Column<bool>(nullable: false),
                created_at = table.Column<DateTime>(nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_topics", x => x.id);
                table.ForeignKey(
                    name: "FK_topics_offices_office_id",
                    column: x => x.office_id,
                    principalTable: "offices",
                    principalColumn: "id",
                    onDelete: ReferentialAction.SetNull);
                table.ForeignKey(
                    name: "FK_topics_organizations_organization_id",
                    column: x => x.organization_id,
                    principalTable: "organizations",
                    principalColumn: "id",
                    onDelete: ReferentialAction.Restrict);
            });

        migrationBuilder.CreateTable(
            name: "role_assignments",
            columns: table => new
            {
                id = table.Column<Guid>(nullable: false),
                organization_id = table.Column<Guid>(nullable: false),
                user_id = table.Column<Guid>(nullable: false),
                role = table.Column<int>(nullable: false),
                office_id = table.Column<Guid>(nullable: true),
                language = table.Column<string>(maxLength: 35, nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_role_assignments", x => x.id);
                table.ForeignKey(
                    name: "FK_role_assignments_offices_office_id",
                    column: x => x.office_id,
                    principalTable: "offices",
                    principalColumn: "id",
                    onDelete: ReferentialAction.Cascade);
                table.ForeignKey(
                    name: "FK_role_assignments_staff_users_user_id",
                    column: x => x.user_id,
                    principalTable: "staff_users",
                    principalColumn: "id",
                    onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateTable(
            name: "staff_user_claims",
            columns: table => new
            {
                id = table.Column<int>(nullable: false)
                    .Annotation("Sqlite:Autoincrement", true)
                    .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                user_id = table.Column<Guid>(nullable: false),
                claim_type = table.Column<string>(nullable: true),
                claim_value = table.Column<string>(nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_staff_user_claims", x => x.id);
                table.ForeignKey(
                    name: "FK_staff_user_claims_staff_users_user_id",
                    column: x => x.user_id,
                    principalTable: "staff_users",
                    principalColumn: "id",
                    onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateTable(
            name: "staff_user_logins",
            columns: table => new
            {
                login_provider = table.Column<string>(nullable: false),
                provider_key = table.Column<string>(nullable: false),
                provider_display_name = table.Column<string>(nullable: true),
                user_id = table.Column<Guid>(nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_staff_user_logins", x => new { x.login_provider, x.provider_key });
                table.ForeignKey(
                    name: "FK_staff_user_logins_staff_users_user_id",
                    column: x => x.user_id,
                    principalTable: "staff_users",
                    principalColumn: "id",
                    onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateTable(
            name: "staff_user_tokens",
            columns: table => new
            {
                user_id = table.Column<Guid>(nullable: false),
                login_provider = table.Column<string>(nullable: false),
                name = table.Column<string>(nullable: false),
                value = table.Column<string>(nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_staff_user_tokens", x => new { x.user_id, x.login_provider, x.name });
                table.ForeignKey(
                    name: "FK_staff_user_tokens_staff_users_user_id",
                    column: x => x.user_id,
                    principalTable: "staff_users",
                    principalColumn: "id",
                    onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateTable(
            name: "subscribers",
            columns: table => new
            {
                id = table.Column<long>(nullable: false)
                    .Annotation("Sqlite:Autoincrement", true)
                    .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                organization_id = table.Column<Guid>(nullable: false),
                channel_id = table.Column<Guid>(nullable: false),
                address = table.Column<string>(maxLength: 200, nullable: false),
                display_name = table.Column<string>(maxLength: 200, nullable: true),
                languages = table.Column<string>(maxLength: 200, nullable: false),
                language = table.Column<string>(maxLength: 35, nullable: false),
                status = table.Column<int>(nullable: false),
                subscribed_at = table.Column<DateTime>(nullable: false),
                left_at = table.Column<DateTime>(nullable: true),
                last_inbound_at = table.Column<DateTime>(nullable: true),
                consent_at = table.Column<DateTime>(nullable: false),
                consent_method = table.Column<int>(nullable: false),
                consent_evidence = table.Column<string>(maxLength: 500, nullable: true),
                policy_version = table.Column<string>(maxLength: 60, nullable: true),
                source = table.Column<string>(maxLength: 200, nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_subscribers", x => x.id);
                table.ForeignKey(
                    name: "FK_subscribers_channels_channel_id",
                    column: x => x.channel_id,
                    principalTable: "channels",
                    principalColumn: "id",
                    onDelete: ReferentialAction.Cascade);
                table.ForeignKey(
                    name: "FK_subscribers_organizations_organization_id",
                    column: x => x.organization_id,
                    principalTable: "organizations",
                    principalColumn: "id",
                    onDelete: ReferentialAction.Restrict);
            });

        migrationBuilder.CreateTable(
            name: "posts",
            columns: table => new
            {
                id = table.Column<Guid>(nullable: false),
                organization_id = table.Column<Guid>(nullable: false),
                topic_id = table.Column<Guid>(nullable: false),
                office_id = table.Column<Guid>(nullable: true),
                priority = table.Column<int>(nullable: false),
                state = table.Column<int>(nullable: false),
                author_id = table.Column<Guid>(nullable: false),
                approver_id = table.Column<Guid>(nullable: true),
                scheduled_for = table.Column<DateTime>(nullable: true),
                created_at = table.Column<DateTime>(nullable: false),
                updated_at = table.Column<DateTime>(nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_posts", x => x.id);
                table.ForeignKey(
                    name: "FK_posts_organizations_organization_id",
                    column: x => x.organization_id,
                    principalTable: "organizations",
                    principalColumn: "id",
                    onDelete: ReferentialAction.Restrict);
                table.ForeignKey(
                    name: "FK_posts_topics_topic_id",
                    column: x => x.topic_id,
                    principalTable: "topics",
                    principalColumn: "id",
                    onDelete: ReferentialAction.Restrict);
            });

        migrationBuilder.CreateTable(
            name: "topic_names",
            columns: table => new
            {
                topic_id = table.Column<Guid>(nullable: false),
                language = table.Column<string>(maxLength: 35, nullable: false),
                organization_id = table.Column<Guid>(nullable: false),
                name = table.Column<string>(maxLength: 120, nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_topic_names", x => new { x.topic_id, x.language });
                table.ForeignKey(
                    name: "FK_topic_names_topics_topic_id",
                    column: x => x.topic_id,
                    principalTable: "topics",
                    principalColumn: "id",
                    onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateTable(
            name: "subscriber_topics",
            columns: table => new
            {
                subscriber_id = table.Column<long>(nullable: false),
                topic_id = table.Column<Guid>(nullable: false),
                organization_id = table.Column<Guid>(nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_subscriber_topics", x => new { x.subscriber_id, x.topic_id });
                table.ForeignKey(
                    name: "FK_subscriber_topics_subscribers_subscriber_id",
                    column: x => x.subscriber_id,
                    principalTable: "subscribers",
                    principalColumn: "id",
                    onDelete: ReferentialAction.Cascade);
                table.ForeignKey(
                    name: "FK_subscriber_topics_topics_topic_id",
                    column: x => x.topic_id,
                    principalTable: "topics",
                    principalColumn: "id",
                    onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateTable(
            name: "post_bodies",
            columns: table => new
            {
                post_id = table.Column<Guid>(nullable: false),
                language = table.Column<string>(maxLength: 35, nullable: false),
                organization_id = table.Column<Guid>(nullable: false),
                title = table.Column<string>(maxLength: 200, nullable: false),
                markdown = table.Column<string>(nullable: false),
                translated_by_id = table.Column<Guid>(nullable: true),
                reviewed_by_id = table.Column<Guid>(nullable: true),
                reviewed_at = table.Column<DateTime>(nullable: true),
                updated_at = table.Column<DateTime>(nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_post_bodies", x => new { x.post_id, x.language });
                table.ForeignKey(
                    name: "FK_post_bodies_posts_post_id",
                    column: x => x.post_id,
                    principalTable: "posts",
                    principalColumn: "id",
                    onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateTable(
            name: "post_state_changes",
            columns: table => new
            {
                id = table.Column<long>(nullable: false)
                    .Annotation("Sqlite:Autoincrement", true)
                    .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                organization_id = table.Column<Guid>(nullable: false),
                post_id = table.Column<Guid>(nullable: false),
                from = table.Column<int>(nullable: false),
                to = table.Column<int>(nullable: false),
                by_user_id = table.Column<Guid>(nullable: true),
                at = table.Column<DateTime>(nullable: false),
                note = table.Column<string>(maxLength: 1000, nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_post_state_changes", x => x.id);
                table.ForeignKey(
                    name: "FK_post_state_changes_posts_post_id",
                    column: x => x.post_id,
                    principalTable: "posts",
                    principalColumn: "id",
                    onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateIndex(
            name: "IX_api_keys_hash",
            table: "api_keys",
            column: "hash",
            unique: true);

        migrationBuilder.CreateIndex(
            name: "IX_api_keys_organization_id",
            table: "api_keys",
            column: "organization_id");

        migrationBuilder.CreateIndex(
            name: "IX_audit_entries_organization_id_at",
            table: "audit_entries",
            columns: new[] { "organization_id", "at" });

        migrationBuilder.CreateIndex(
            name: "IX_channels_office_id",
            table: "channels",
            column: "office_id");

        migrationBuilder.CreateIndex(
            name: "IX_channels_organization_id_name",
            table: "channels",
            columns: new[] { "organization_id", "name" },
            unique: true);

        migrationBuilder.CreateIndex(
            name: "IX_offices_organization_id_name",
            table: "offices",
            columns: new[] { "organization_id", "name" },
            unique: true);

        migrationBuilder.CreateIndex(
            name: "IX_organizations_slug",
            table: "organizations",
            column: "slug",
            unique: true);

        migrationBuilder.CreateIndex(
            name: "IX_population_groups_organization_id",
            table: "population_groups",
            column: "organization_id");

        migrationBuilder.CreateIndex(
            name: "IX_post_state_changes_post_id",
            table: "post_state_changes",
            column: "post_id");

        migrationBuilder.CreateIndex(
            name: "IX_posts_organization_id_state",
            table: "posts",
            columns: new[] { "organization_id", "state" });

        migrationBuilder.CreateIndex(
            name: "IX_posts_topic_id",
            table: "posts",
            column: "topic_id");

        migrationBuilder.CreateIndex(
            name: "IX_role_assignments_office_id",
            table: "role_assignments",
            column: "office_id");

        migrationBuilder.CreateIndex(
            name: "IX_role_assignments_organization_id_user_id",
            table: "role_assignments",
            columns: new[] { "organization_id", "user_id" });

        migrationBuilder.CreateIndex(
            name: "IX_role_assignments_user_id",
            table: "role_assignments",
            column: "user_id");

        migrationBuilder.CreateIndex(
            name: "IX_staff_user_claims_user_id",
            table: "staff_user_claims",
            column: "user_id");

        migrationBuilder.CreateIndex(
            name: "IX_staff_user_logins_user_id",
            table: "staff_user_logins",
            column: "user_id");

        migrationBuilder.CreateIndex(
            name: "EmailIndex",
            table: "staff_users",
            column: "normalized_email");

        migrationBuilder.CreateIndex(
            name: "IX_staff_users_organization_id",
            table: "staff_users",
            column: "organization_id");

        migrationBuilder.CreateIndex(
            name: "UserNameIndex",
            table: "staff_users",
            column: "normalized_user_name",
            unique: true);

        migrationBuilder.CreateIndex(
            name: "IX_subscriber_topics_topic_id_subscriber_id",
            table: "subscriber_topics",
            columns: new[] { "topic_id", "subscriber_id" });

        migrationBuilder.CreateIndex(
            name: "IX_subscribers_channel_id_address",
            table: "subscribers",
            columns: new[] { "channel_id", "address" },
            unique: true);

        migrationBuilder.CreateIndex(
            name: "IX_subscribers_organization_id_channel_id_status",
            table: "subscribers",
            columns: new[] { "organization_id", "channel_id", "status" });

        migrationBuilder.CreateIndex(
            name: "IX_topics_office_id",
            table: "topics",
            column: "office_id");

        migrationBuilder.CreateIndex(
            name: "IX_topics_organization_id_key",
            table: "topics",
            columns: new[] { "organization_id", "key" },
            unique: true);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropTable(name: "post_state_changes");
        migrationBuilder.DropTable(name: "post_bodies");
        migrationBuilder.DropTable(name: "subscriber_topics");
        migrationBuilder.DropTable(name: "topic_names");
        migrationBuilder.DropTable(name: "posts");
        migrationBuilder.DropTable(name: "subscribers");
        migrationBuilder.DropTable(name: "staff_user_tokens");
        migrationBuilder.DropTable(name: "staff_user_logins");
        migrationBuilder.DropTable(name: "staff_user_claims");
        migrationBuilder.DropTable(name: "role_assignments");
        migrationBuilder.DropTable(name: "topics");
        migrationBuilder.DropTable(name: "channels");
        migrationBuilder.DropTable(name: "staff_users");
        migrationBuilder.DropTable(name: "population_groups");
        migrationBuilder.DropTable(name: "organization_languages");
        migrationBuilder.DropTable(name: "offices");
        migrationBuilder.DropTable(name: "audit_entries");
        migrationBuilder.DropTable(name: "api_keys");
        migrationBuilder.DropTable(name: "organizations");
        migrationBuilder.DropTable(name: "data_protection_keys");
    }
}
