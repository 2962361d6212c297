using System.Text;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Piazza.ApiKeys;
using Piazza.Audit;
using Piazza.Broadcast;
using Piazza.Channels;
using Piazza.Offices;
using Piazza.Organizations;
using Piazza.Posts;
using Piazza.Staff;
using Piazza.Subscribers;
using Piazza.Tenancy;
using Piazza.Topics;

namespace Piazza.Data;

/// <summary>
/// Piazza's one DbContext, for SQLite and PostgreSQL. Every organization-owned entity has a query
/// filter on the current tenant: with no tenant set, those queries return nothing. Code that must
/// work across organizations (sign-in, API key lookup, command-line verbs) says so with
/// <c>IgnoreQueryFilters()</c>.
/// </summary>
public class PiazzaDb(DbContextOptions<PiazzaDb> options, TenantContext? tenant = null)
    : IdentityUserContext<StaffUser, Guid>(options), IDataProtectionKeyContext
{
    private readonly TenantContext? _tenant = tenant;

    /// <summary>The organization queries are limited to; null means none (nothing tenant-owned is visible).</summary>
    public Guid? TenantId => _tenant?.OrganizationId;

    public DbSet<Organization> Organizations => Set<Organization>();

    public DbSet<OrganizationLanguage> OrganizationLanguages => Set<OrganizationLanguage>();

    public DbSet<PopulationGroup> PopulationGroups => Set<PopulationGroup>();

    public DbSet<Office> Offices => Set<Office>();

    public DbSet<RoleAssignment> RoleAssignments => Set<RoleAssignment>();

    public DbSet<Topic> Topics => Set<Topic>();

    public DbSet<TopicName> TopicNames => Set<TopicName>();

    public DbSet<Channel> Channels => Set<Channel>();

    public DbSet<Subscriber> Subscribers => Set<Subscriber>();

    public DbSet<SubscriberTopic> SubscriberTopics => Set<SubscriberTopic>();

    public DbSet<Subscribers.Import.SubscriberImportFile> SubscriberImportFiles => Set<Subscribers.Import.SubscriberImportFile>();

    public DbSet<Post> Posts => Set<Post>();

    public DbSet<PostBody> PostBodies => Set<PostBody>();

    public DbSet<PostStateChange> PostStateChanges => Set<PostStateChange>();

    public DbSet<PostChannel> PostChannels => Set<PostChannel>();

    public DbSet<Delivery> Deliveries => Set<Delivery>();

    public DbSet<Inbound.InboundMessage> InboundMessages => Set<Inbound.InboundMessage>();

    public DbSet<ChannelLease> ChannelLeases => Set<ChannelLease>();

    public DbSet<WeChat.WeChatToken> WeChatTokens => Set<WeChat.WeChatToken>();

    public DbSet<WeChat.WeChatTag> WeChatTags => Set<WeChat.WeChatTag>();

    public DbSet<WeChat.WeChatTagMember> WeChatTagMembers => Set<WeChat.WeChatTagMember>();

    public DbSet<WeChat.WeChatMassSend> WeChatMassSends => Set<WeChat.WeChatMassSend>();

    public DbSet<Campaigns.FlyerCampaign> FlyerCampaigns => Set<Campaigns.FlyerCampaign>();

    public DbSet<Policies.ChannelPolicy> ChannelPolicies => Set<Policies.ChannelPolicy>();

    public DbSet<Policies.ChannelPolicyText> ChannelPolicyTexts => Set<Policies.ChannelPolicyText>();

    public DbSet<Comments.BulletinComment> BulletinComments => Set<Comments.BulletinComment>();

    public DbSet<SendingPolicy> SendingPolicies => Set<SendingPolicy>();

    public DbSet<AuditEntry> AuditEntries => Set<AuditEntry>();

    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();

    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // Every DateTime is UTC. SQLite returns them without a Kind; say so on the way back.
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
    }

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);

        builder.Entity<StaffUser>(e =>
        {
            e.ToTable("staff_users");
            e.Property(u => u.DisplayName).HasMaxLength(200);
            e.Property(u => u.UiCulture).HasMaxLength(10);
            e.HasIndex(u => u.OrganizationId);
            e.HasMany(u => u.Roles).WithOne().HasForeignKey(r => r.UserId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<Organization>().WithMany().HasForeignKey(u => u.OrganizationId).OnDelete(DeleteBehavior.Restrict);
        });
        builder.Entity<Microsoft.AspNetCore.Identity.IdentityUserClaim<Guid>>().ToTable("staff_user_claims");
        builder.Entity<Microsoft.AspNetCore.Identity.IdentityUserLogin<Guid>>().ToTable("staff_user_logins");
        builder.Entity<Microsoft.AspNetCore.Identity.IdentityUserToken<Guid>>().ToTable("staff_user_tokens");
        builder.Entity<DataProtectionKey>().ToTable("data_protection_keys");

        builder.Entity<Organization>(e =>
        {
            e.Ignore(o => o.OrganizationId);
            e.Property(o => o.Name).HasMaxLength(200);
            e.Property(o => o.Slug).HasMaxLength(60);
            e.Property(o => o.TimeZone).HasMaxLength(64);
            e.HasIndex(o => o.Slug).IsUnique();
            e.HasMany(o => o.Languages).WithOne().HasForeignKey(l => l.OrganizationId).OnDelete(DeleteBehavior.Cascade);
            e.HasMany(o => o.PopulationGroups).WithOne().HasForeignKey(g => g.OrganizationId).OnDelete(DeleteBehavior.Cascade);
            e.HasQueryFilter(o => o.Id == TenantId);
        });
        builder.Entity<OrganizationLanguage>(e =>
        {
            e.HasKey(l => new { l.OrganizationId, l.Tag });
            e.Property(l => l.Tag).HasMaxLength(35);
        });
        builder.Entity<PopulationGroup>(e =>
        {
            e.Property(g => g.Name).HasMaxLength(200);
            e.Property(g => g.Language).HasMaxLength(35);
        });
        builder.Entity<Office>(e =>
        {
            e.Property(o => o.Name).HasMaxLength(200);
            e.Property(o => o.Email).HasMaxLength(256);
            e.HasIndex(o => new { o.OrganizationId, o.Name }).IsUnique();
            OwnedByOrganization(e);
        });
        builder.Entity<RoleAssignment>(e =>
        {
            e.Property(r => r.Language).HasMaxLength(35);
            e.HasIndex(r => new { r.OrganizationId, r.UserId });
            e.HasOne<Office>().WithMany().HasForeignKey(r => r.OfficeId).OnDelete(DeleteBehavior.Cascade);
        });
        builder.Entity<Topic>(e =>
        {
            e.Property(t => t.Key).HasMaxLength(60);
            e.HasIndex(t => new { t.OrganizationId, t.Key }).IsUnique();
            e.HasMany(t => t.Names).WithOne().HasForeignKey(n => n.TopicId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<Office>().WithMany().HasForeignKey(t => t.OfficeId).OnDelete(DeleteBehavior.SetNull);
            OwnedByOrganization(e);
        });
        builder.Entity<TopicName>(e =>
        {
            e.HasKey(n => new { n.TopicId, n.Language });
            e.Property(n => n.Language).HasMaxLength(35);
            e.Property(n => n.Name).HasMaxLength(120);
        });
        builder.Entity<Channel>(e =>
        {
            e.Property(c => c.Name).HasMaxLength(200);
            e.HasIndex(c => new { c.OrganizationId, c.Name }).IsUnique();
            e.HasOne<Office>().WithMany().HasForeignKey(c => c.OfficeId).OnDelete(DeleteBehavior.SetNull);
            OwnedByOrganization(e);
        });
        builder.Entity<Subscriber>(e =>
        {
            e.Property(s => s.Address).HasMaxLength(200);
            e.Property(s => s.DisplayName).HasMaxLength(200);
            e.Property(s => s.Languages).HasMaxLength(200);
            e.Property(s => s.Language).HasMaxLength(35);
            e.Property(s => s.ConsentEvidence).HasMaxLength(500);
            e.Property(s => s.PolicyVersion).HasMaxLength(60);
            e.Property(s => s.Source).HasMaxLength(200);
            e.Ignore(s => s.LanguageList);
            e.HasIndex(s => new { s.ChannelId, s.Address }).IsUnique();
            e.HasIndex(s => new { s.OrganizationId, s.ChannelId, s.Status });
            e.HasOne<Channel>().WithMany().HasForeignKey(s => s.ChannelId).OnDelete(DeleteBehavior.Cascade);
            e.HasMany(s => s.Topics).WithOne().HasForeignKey(t => t.SubscriberId).OnDelete(DeleteBehavior.Cascade);
            OwnedByOrganization(e);
        });
        builder.Entity<SubscriberTopic>(e =>
        {
            e.HasKey(t => new { t.SubscriberId, t.TopicId });
            e.HasIndex(t => new { t.TopicId, t.SubscriberId });
            e.HasOne<Topic>().WithMany().HasForeignKey(t => t.TopicId).OnDelete(DeleteBehavior.Cascade);
        });
        builder.Entity<Subscribers.Import.SubscriberImportFile>(e =>
        {
            e.Property(f => f.FileName).HasMaxLength(200);
            e.Property(f => f.PolicyVersion).HasMaxLength(60);
            e.Property(f => f.Source).HasMaxLength(200);
            e.Property(f => f.CreatedBy).HasMaxLength(100);
            e.HasIndex(f => f.ExpiresAt);
            e.HasOne<Channel>().WithMany().HasForeignKey(f => f.ChannelId).OnDelete(DeleteBehavior.Cascade);
            OwnedByOrganization(e);
        });
        builder.Entity<Post>(e =>
        {
            e.Property(p => p.AuthorName).HasMaxLength(256);
            e.HasIndex(p => new { p.OrganizationId, p.State });
            e.HasIndex(p => new { p.State, p.ScheduledFor });
            e.HasOne<Topic>().WithMany().HasForeignKey(p => p.TopicId).OnDelete(DeleteBehavior.Restrict);
            e.HasMany(p => p.Bodies).WithOne().HasForeignKey(b => b.PostId).OnDelete(DeleteBehavior.Cascade);
            e.HasMany(p => p.Channels).WithOne().HasForeignKey(c => c.PostId).OnDelete(DeleteBehavior.Cascade);
            e.HasMany(p => p.History).WithOne().HasForeignKey(h => h.PostId).OnDelete(DeleteBehavior.Cascade);
            OwnedByOrganization(e);
        });
        builder.Entity<PostChannel>(e =>
        {
            e.HasKey(c => new { c.PostId, c.ChannelId });
            e.HasOne<Channel>().WithMany().HasForeignKey(c => c.ChannelId).OnDelete(DeleteBehavior.Cascade);
        });
        builder.Entity<Delivery>(e =>
        {
            e.Property(d => d.Language).HasMaxLength(35);
            e.Property(d => d.PlatformMessageId).HasMaxLength(200);
            e.Property(d => d.Error).HasMaxLength(500);
            // The queue: what a dispatcher claims (state 0) or has in flight (state 1), per channel, emergencies first,
            // then by due time (retries and service windows wait their turn) and age.
            e.HasIndex(d => new { d.ChannelId, d.State, d.Priority, d.DueAt, d.Id }, "IX_deliveries_queue")
                .IsDescending(false, false, true, false, false)
                .HasFilter("state IN (0, 1)");
            // The idempotency key; subscriber first, so it also serves the monthly cap and erasure.
            e.HasIndex(d => new { d.SubscriberId, d.PostId, d.ChannelId }, "UX_deliveries_idempotency").IsUnique();
            // Progress of a bulletin, per channel and state, read from the index alone.
            e.HasIndex(d => new { d.PostId, d.ChannelId, d.State });
            // Status callbacks find their delivery by the platform's message id.
            e.HasIndex(d => new { d.ChannelId, d.PlatformMessageId }, "IX_deliveries_platform_message")
                .HasFilter("platform_message_id IS NOT NULL");
            e.HasOne(d => d.Post).WithMany().HasForeignKey(d => d.PostId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<Channel>().WithMany().HasForeignKey(d => d.ChannelId).OnDelete(DeleteBehavior.Cascade);
            // A delivery belongs to its bulletin's organization.
            e.HasQueryFilter(d => d.Post!.OrganizationId == TenantId);
        });
        builder.Entity<Inbound.InboundMessage>(e =>
        {
            e.Property(m => m.PlatformMessageId).HasMaxLength(200);
            e.Property(m => m.Address).HasMaxLength(200);
            e.Property(m => m.DisplayName).HasMaxLength(200);
            e.Property(m => m.Text).HasMaxLength(4096);
            e.Property(m => m.Note).HasMaxLength(500);
            e.Property(m => m.Event).HasMaxLength(40);
            e.Property(m => m.EventKey).HasMaxLength(200);
            // The platform retries a webhook: the second copy of a message changes nothing.
            e.HasIndex(m => new { m.ChannelId, m.PlatformMessageId }, "UX_inbound_messages_platform_id").IsUnique();
            // A person's recent messages on a channel (the out-of-hours reply goes once a day).
            e.HasIndex(m => new { m.ChannelId, m.Address, m.ReceivedAt });
            // What is still to be handled.
            e.HasIndex(m => m.Id, "IX_inbound_messages_pending").HasFilter("state = 0");
            // The staff's list.
            e.HasIndex(m => new { m.OrganizationId, m.State, m.ReceivedAt });
            e.HasOne<Channel>().WithMany().HasForeignKey(m => m.ChannelId).OnDelete(DeleteBehavior.Cascade);
            OwnedByOrganization(e);
        });
        builder.Entity<WeChat.WeChatToken>(e =>
        {
            e.HasKey(t => t.ChannelId);
            e.Property(t => t.Token).HasMaxLength(2000);
            e.Property(t => t.RefreshNode).HasMaxLength(100);
            e.HasOne<Channel>().WithMany().HasForeignKey(t => t.ChannelId).OnDelete(DeleteBehavior.Cascade);
        });
        builder.Entity<WeChat.WeChatTag>(e =>
        {
            e.HasKey(t => new { t.ChannelId, t.Key });
            e.Property(t => t.Key).HasMaxLength(100);
            e.Property(t => t.Name).HasMaxLength(30);
            e.HasIndex(t => new { t.ChannelId, t.TagId }).IsUnique();
            e.HasOne<Channel>().WithMany().HasForeignKey(t => t.ChannelId).OnDelete(DeleteBehavior.Cascade);
        });
        builder.Entity<WeChat.WeChatTagMember>(e =>
        {
            e.HasKey(m => new { m.ChannelId, m.TagId, m.SubscriberId });
            e.HasIndex(m => m.SubscriberId);
            e.HasOne<Channel>().WithMany().HasForeignKey(m => m.ChannelId).OnDelete(DeleteBehavior.Cascade);
        });
        builder.Entity<WeChat.WeChatMassSend>(e =>
        {
            e.Property(m => m.Language).HasMaxLength(35);
            e.Property(m => m.MsgId).HasMaxLength(64);
            e.Property(m => m.MsgDataId).HasMaxLength(64);
            e.Property(m => m.Status).HasMaxLength(100);
            e.HasIndex(m => new { m.ChannelId, m.MsgId }).IsUnique();
            e.HasIndex(m => new { m.ChannelId, m.SentAt });
            e.HasIndex(m => m.PostId);
            e.HasOne<Channel>().WithMany().HasForeignKey(m => m.ChannelId).OnDelete(DeleteBehavior.Cascade);
            OwnedByOrganization(e);
        });
        builder.Entity<Campaigns.FlyerCampaign>(e =>
        {
            e.Property(c => c.Name).HasMaxLength(200);
            e.Property(c => c.Scene).HasMaxLength(64);
            e.Property(c => c.TopicKey).HasMaxLength(60);
            e.Property(c => c.JoinUrl).HasMaxLength(500);
            e.Property(c => c.Ticket).HasMaxLength(200);
            e.Property(c => c.CreatedBy).HasMaxLength(256);
            e.Ignore(c => c.Source);
            e.HasIndex(c => new { c.ChannelId, c.Scene }).IsUnique();
            e.HasIndex(c => c.OrganizationId);
            e.HasOne<Channel>().WithMany().HasForeignKey(c => c.ChannelId).OnDelete(DeleteBehavior.Cascade);
            OwnedByOrganization(e);
        });
        builder.Entity<Policies.ChannelPolicy>(e =>
        {
            e.Property(p => p.PublishedBy).HasMaxLength(256);
            e.Property(p => p.Note).HasMaxLength(500);
            e.HasIndex(p => new { p.ChannelId, p.Version }).IsUnique();
            e.HasIndex(p => p.OrganizationId);
            e.HasOne<Channel>().WithMany().HasForeignKey(p => p.ChannelId).OnDelete(DeleteBehavior.Cascade);
            e.HasMany(p => p.Texts).WithOne().HasForeignKey(t => t.PolicyId).OnDelete(DeleteBehavior.Cascade);
            OwnedByOrganization(e);
        });
        builder.Entity<Policies.ChannelPolicyText>(e =>
        {
            e.HasKey(t => new { t.PolicyId, t.Language });
            e.Property(t => t.Language).HasMaxLength(35);
        });
        builder.Entity<Comments.BulletinComment>(e =>
        {
            e.Property(c => c.ArticleId).HasMaxLength(64);
            e.Property(c => c.PlatformCommentId).HasMaxLength(64);
            e.Property(c => c.Author).HasMaxLength(200);
            e.Property(c => c.Text).HasMaxLength(4096);
            e.Property(c => c.Reply).HasMaxLength(4096);
            e.Property(c => c.RepliedBy).HasMaxLength(256);
            e.HasIndex(c => new { c.ChannelId, c.ArticleId, c.ArticleIndex, c.PlatformCommentId }, "UX_bulletin_comments_platform_id").IsUnique();
            e.HasIndex(c => new { c.PostId, c.WrittenAt });
            e.HasIndex(c => c.OrganizationId);
            e.HasOne<Channel>().WithMany().HasForeignKey(c => c.ChannelId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<Post>().WithMany().HasForeignKey(c => c.PostId).OnDelete(DeleteBehavior.Cascade);
            OwnedByOrganization(e);
        });
        builder.Entity<ChannelLease>(e =>
        {
            e.HasKey(l => l.ChannelId);
            e.Property(l => l.Node).HasMaxLength(100);
            e.HasOne<Channel>().WithMany().HasForeignKey(l => l.ChannelId).OnDelete(DeleteBehavior.Cascade);
        });
        builder.Entity<SendingPolicy>(e =>
        {
            e.HasKey(p => p.OrganizationId);
            e.Property(p => p.ServiceHours).HasMaxLength(200);
            e.Property(p => p.QuietHours).HasMaxLength(20);
            OwnedByOrganization(e);
        });
        builder.Entity<PostBody>(e =>
        {
            e.HasKey(b => new { b.PostId, b.Language });
            e.Property(b => b.Language).HasMaxLength(35);
            e.Property(b => b.Title).HasMaxLength(200);
        });
        builder.Entity<PostStateChange>(e =>
        {
            e.Property(h => h.Note).HasMaxLength(1000);
            e.Property(h => h.ByName).HasMaxLength(256);
        });
        builder.Entity<AuditEntry>(e =>
        {
            e.Property(a => a.ActorId).HasMaxLength(100);
            e.Property(a => a.ActorName).HasMaxLength(256);
            e.Property(a => a.Action).HasMaxLength(100);
            e.Property(a => a.ObjectType).HasMaxLength(60);
            e.Property(a => a.ObjectId).HasMaxLength(100);
            e.Property(a => a.Detail).HasMaxLength(1000);
            e.Property(a => a.RemoteIp).HasMaxLength(64);
            e.HasIndex(a => new { a.OrganizationId, a.At });
            OwnedByOrganization(e);
        });
        builder.Entity<ApiKey>(e =>
        {
            e.Property(k => k.Name).HasMaxLength(200);
            e.Property(k => k.Prefix).HasMaxLength(20);
            e.Property(k => k.Hash).HasMaxLength(64);
            e.Property(k => k.Scopes).HasMaxLength(1000);
            e.HasIndex(k => k.Hash).IsUnique();
            e.HasIndex(k => k.OrganizationId);
            OwnedByOrganization(e);
        });

        foreach (var type in builder.Model.GetEntityTypes())
        {
            if (typeof(IOrgOwned).IsAssignableFrom(type.ClrType) && type.ClrType != typeof(Organization))
            {
                typeof(PiazzaDb).GetMethod(nameof(FilterByTenant), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!
                    .MakeGenericMethod(type.ClrType).Invoke(this, [builder]);
            }
        }

        ApplySnakeCaseNames(builder);
    }

    public override int SaveChanges(bool acceptAllChangesOnSuccess)
    {
        StampTenant();
        return base.SaveChanges(acceptAllChangesOnSuccess);
    }

    public override Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        StampTenant();
        return base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
    }

    /// <summary>New rows get the current tenant; a write into another organization is refused.</summary>
    private void StampTenant()
    {
        foreach (var entry in ChangeTracker.Entries<IOrgOwned>())
        {
            if (entry.State is not (EntityState.Added or EntityState.Modified) || entry.Entity is Organization)
            {
                continue;
            }

            if (entry.Entity.OrganizationId == Guid.Empty && TenantId is { } tenantId)
            {
                entry.Entity.OrganizationId = tenantId;
            }

            if (entry.Entity.OrganizationId == Guid.Empty)
            {
                throw new InvalidOperationException($"{entry.Entity.GetType().Name} has no organization.");
            }

            if (TenantId is { } current && entry.Entity.OrganizationId != current)
            {
                throw new InvalidOperationException($"{entry.Entity.GetType().Name} belongs to another organization.");
            }
        }
    }

    private void FilterByTenant<T>(ModelBuilder builder)
        where T : class, IOrgOwned
    {
        if (typeof(T) == typeof(StaffUser))
        {
            // Sign-in looks users up by e-mail before any tenant is known; e-mails are unique
            // across the deployment. Once signed in, the tenant limits the users visible.
            builder.Entity<T>().HasQueryFilter(e => TenantId == null || e.OrganizationId == TenantId);
            return;
        }

        builder.Entity<T>().HasQueryFilter(e => e.OrganizationId == TenantId);
    }

    private static void OwnedByOrganization<T>(Microsoft.EntityFrameworkCore.Metadata.Builders.EntityTypeBuilder<T> e)
        where T : class, IOrgOwned =>
        e.HasOne<Organization>().WithMany().HasForeignKey(x => x.OrganizationId).OnDelete(DeleteBehavior.Restrict);

    private static void ApplySnakeCaseNames(ModelBuilder builder)
    {
        foreach (var entity in builder.Model.GetEntityTypes())
        {
            if (entity.GetTableName() is { } table && !table.Contains('_', StringComparison.Ordinal))
            {
                entity.SetTableName(SnakeCase(table));
            }

            foreach (var property in entity.GetProperties())
            {
                property.SetColumnName(SnakeCase(property.Name));
            }
        }
    }

    public static string SnakeCase(string name)
    {
        var sb = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                if (i > 0 && (char.IsLower(name[i - 1]) || (i + 1 < name.Length && char.IsLower(name[i + 1]) && char.IsUpper(name[i - 1]))))
                {
                    sb.Append('_');
                }

                sb.Append(char.ToLowerInvariant(c));
            }
            else
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }

    private sealed class UtcDateTimeConverter() : ValueConverter<DateTime, DateTime>(
        v => v.Kind == DateTimeKind.Utc ? v : DateTime.SpecifyKind(v, DateTimeKind.Utc),
        v => DateTime.SpecifyKind(v, DateTimeKind.Utc));
}
