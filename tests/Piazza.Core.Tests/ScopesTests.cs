using Piazza.Audit;
using Piazza.Staff;
using Xunit;

namespace Piazza.Core.Tests;

public sealed class ScopesTests
{
    [Theory]
    [InlineData("topics:read", new[] { "topics:read" })]
    [InlineData("topics:read topics:write", new[] { "topics:read", "topics:write" })]
    [InlineData("topics:read,offices:read", new[] { "topics:read", "offices:read" })]
    [InlineData("  topics:read , ,offices:read  ", new[] { "topics:read", "offices:read" })]
    [InlineData("topics:read topics:read", new[] { "topics:read" })]
    [InlineData("", new string[0])]
    [InlineData(null, new string[0])]
    public void Parse_splits_on_spaces_and_commas_and_drops_duplicates(string? text, string[] expected)
    {
        var parsed = Scopes.Parse(text, out var unknown);
        Assert.Equal(expected, parsed);
        Assert.Empty(unknown);
    }

    [Theory]
    [InlineData("all")]
    [InlineData("ALL")]
    [InlineData("all topics:read")]
    public void All_means_every_scope_once(string text)
    {
        var parsed = Scopes.Parse(text, out var unknown);
        Assert.Equal(Scopes.All, parsed);
        Assert.Empty(unknown);
    }

    [Fact]
    public void Unknown_names_are_reported_and_not_granted()
    {
        var parsed = Scopes.Parse("topics:read Topics:Write topics:fly admin", out var unknown);
        Assert.Equal(["topics:read"], parsed);
        Assert.Equal(["Topics:Write", "topics:fly", "admin"], unknown);
    }

    [Fact]
    public void Every_scope_is_unique_and_well_formed()
    {
        Assert.Equal(Scopes.All.Count, Scopes.All.Distinct(StringComparer.Ordinal).Count());
        Assert.All(Scopes.All, s => Assert.Matches("^[a-z-]+:[a-z-]+$", s));
    }

    [Fact]
    public void Admins_may_do_everything_and_other_roles_read_the_setup_and_do_their_part_of_the_workflow()
    {
        Assert.Equal(Scopes.All, Scopes.ForRole(StaffRole.Admin));
        foreach (var role in new[] { StaffRole.Editor, StaffRole.Translator, StaffRole.Approver })
        {
            var scopes = Scopes.ForRole(role).ToList();
            Assert.Contains(Scopes.TopicsRead, scopes);
            Assert.Contains(Scopes.BulletinsRead, scopes);
            Assert.DoesNotContain(scopes, s => s.EndsWith(":write", StringComparison.Ordinal) && s != Scopes.BulletinsWrite);
            Assert.DoesNotContain(Scopes.SubscribersPersonalData, scopes);
            Assert.DoesNotContain(Scopes.AuditRead, scopes);
        }

        // Each role has exactly its own part of the bulletin workflow.
        Assert.Equal([Scopes.BulletinsWrite], Scopes.ForRole(StaffRole.Editor).Where(IsWorkflowPower));
        Assert.Equal([Scopes.BulletinsTranslate], Scopes.ForRole(StaffRole.Translator).Where(IsWorkflowPower));
        Assert.Equal([Scopes.BulletinsApprove], Scopes.ForRole(StaffRole.Approver).Where(IsWorkflowPower));
    }

    private static bool IsWorkflowPower(string scope) => scope.StartsWith("bulletins:", StringComparison.Ordinal) && scope != Scopes.BulletinsRead;
}
