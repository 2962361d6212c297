using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Piazza.Data;
using Piazza.Server.Demo;
using Piazza.Server.Hosting;
using Piazza.Staff;
using Xunit;

namespace Piazza.Server.Tests.Browser;

/// <summary>API keys, the audit log and one's own account (password, language, two-factor sign-in) in a real browser.</summary>
public sealed partial class AccountBrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private const string Admin = "admin@prato.demo";

    [Fact]
    public void Totp_helper_computes_the_RFC_6238_test_vectors()
    {
        // RFC 6238 appendix B, SHA-1 key "12345678901234567890"; the RFC's 8-digit codes end with these 6 digits.
        var key = "12345678901234567890"u8.ToArray();
        Assert.Equal("287082", Totp.Code(key, 59 / 30));
        Assert.Equal("081804", Totp.Code(key, 1111111109 / 30));
        Assert.Equal("050471", Totp.Code(key, 1111111111 / 30));
        Assert.Equal("005924", Totp.Code(key, 1234567890 / 30));
        Assert.Equal("279037", Totp.Code(key, 2000000000 / 30));
        // Base32 of the same key, as an authenticator app would be given it.
        Assert.Equal(key, Totp.Base32Decode("gezd gnbv gy3t qojq gezd gnbv gy3t qojq"));
    }

    [Fact]
    public async Task Admin_creates_an_API_key_that_is_shown_once_works_and_stops_working_when_revoked()
    {
        var page = await fixture.NewPageAsync(signInAs: Admin);
        await page.GotoAsync("/console/api-keys");
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Chiavi API");
        // The sensitive permission is flagged as personal data.
        await Assertions.Expect(page.Locator("#scope-subscribers-personal-data-help")).ToContainTextAsync("numeri di telefono");
        await BrowserFixture.ScreenshotAsync(page, "api-keys");

        await page.FillAsync("#key-name", "Sito web comunale");
        await page.Locator("label[for=scope-topics-read]").ClickAsync();
        await page.Locator("label[for=scope-organization-read]").ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Crea chiave" }).ClickAsync();

        await Assertions.Expect(page.GetByTestId("created-key")).ToBeVisibleAsync();
        var key = await page.GetByTestId("new-key-value").InputValueAsync();
        Assert.StartsWith("pz_", key, StringComparison.Ordinal);
        var row = page.GetByTestId("api-key-row").Filter(new() { HasText = "Sito web comunale" });
        await Assertions.Expect(row).ToHaveCountAsync(1);
        await Assertions.Expect(row).ToContainTextAsync("topics:read");
        await Assertions.Expect(row).ToContainTextAsync("organization:read");
        await Assertions.Expect(row).Not.ToContainTextAsync("subscribers:read");
        await Assertions.Expect(row).ToContainTextAsync(key[..10]);
        await BrowserFixture.ScreenshotAsync(page, "api-key-created");

        // The key works against the API, within its permissions only.
        using var api = ApiClient(key);
        using (var topics = await api.GetAsync(new Uri("/api/v1/topics", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, topics.StatusCode);
            var list = await topics.Content.ReadFromJsonAsync<JsonElement>();
            Assert.True(list.GetArrayLength() > 0, "The demo has topics.");
        }

        using (var users = await api.GetAsync(new Uri("/api/v1/users", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.Forbidden, users.StatusCode);
        }

        // Shown once: a fresh load lists the key by its prefix but never shows it whole again.
        await page.GotoAsync("/console/api-keys");
        await Assertions.Expect(page.GetByTestId("created-key")).ToHaveCountAsync(0);
        Assert.DoesNotContain(key, await page.ContentAsync(), StringComparison.Ordinal);
        await Assertions.Expect(row.Locator("td").Nth(4)).Not.ToHaveTextAsync("Mai"); // last used: just now

        // Revoking asks for a confirmation first.
        await row.GetByRole(AriaRole.Link, new() { Name = "Revoca" }).ClickAsync();
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Revoca chiave API");
        using (var stillWorks = await api.GetAsync(new Uri("/api/v1/topics", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, stillWorks.StatusCode);
        }

        await page.Locator("label[for=revoke-confirm]").ClickAsync();
        await page.GetByTestId("revoke-form").GetByRole(AriaRole.Button, new() { Name = "Revoca" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/console/api-keys\\?revoked="));
        await Assertions.Expect(page.GetByTestId("page-message")).ToContainTextAsync("Sito web comunale");
        await Assertions.Expect(row).ToContainTextAsync("Revocata");
        await Assertions.Expect(row.GetByRole(AriaRole.Link, new() { Name = "Revoca" })).ToHaveCountAsync(0);

        using var revoked = await api.GetAsync(new Uri("/api/v1/topics", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Unauthorized, revoked.StatusCode);
    }

    [Fact]
    public async Task Audit_log_shows_key_creation_and_personal_data_reads_with_who_and_filters()
    {
        var page = await fixture.NewPageAsync(signInAs: Admin);
        var key = await CreateKeyInConsoleAsync(page, "Centralino Protezione Civile", "subscribers-read", "subscribers-personal-data");

        // A program reads one subscriber's phone number with the key: the read must show up in the log.
        using var api = ApiClient(key);
        var list = await api.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/subscribers?take=1", UriKind.Relative));
        var first = (list.ValueKind == JsonValueKind.Array ? list : list.GetProperty("items"))[0].GetProperty("id").GetInt64();
        using (var personal = await api.GetAsync(new Uri($"/api/v1/subscribers/{first}/personal-data?purpose=test", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, personal.StatusCode);
        }

        await page.GotoAsync("/console/audit");
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Registro attività");
        var created = page.GetByTestId("audit-row").Filter(new() { HasText = "api-key.created" }).Filter(new() { HasText = "Centralino Protezione Civile" });
        await Assertions.Expect(created).ToHaveCountAsync(1);
        await Assertions.Expect(created).ToContainTextAsync(Admin);
        await Assertions.Expect(created).ToContainTextAsync("Utente");
        var read = page.GetByTestId("audit-row").Filter(new() { HasText = "personal-data.read" }).First;
        await Assertions.Expect(read).ToContainTextAsync("Chiave API");
        await Assertions.Expect(read).ToContainTextAsync("Centralino Protezione Civile");
        await Assertions.Expect(read).ToContainTextAsync("Lettura di dati personali");
        await Assertions.Expect(read).ToContainTextAsync(first.ToString(CultureInfo.InvariantCulture));

        // Newest first: the read came after the creation.
        var rows = await page.GetByTestId("audit-row").AllInnerTextsAsync();
        Assert.True(
            rows.ToList().FindIndex(r => r.Contains("personal-data.read", StringComparison.Ordinal)) < rows.ToList().FindIndex(r => r.Contains("api-key.created", StringComparison.Ordinal) && r.Contains("Centralino", StringComparison.Ordinal)),
            "The audit log is not newest first.");

        // The time is shown in the organization's zone (Europe/Rome), not UTC.
        var datetime = await created.Locator("time").GetAttributeAsync("datetime");
        var shown = await created.Locator("time").InnerTextAsync();
        var utc = DateTime.Parse(datetime!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
        var rome = TimeZoneInfo.ConvertTimeFromUtc(utc, TimeZoneInfo.FindSystemTimeZoneById("Europe/Rome"));
        Assert.Equal(rome.ToString("G", CultureInfo.GetCultureInfo("it")), shown);
        await BrowserFixture.ScreenshotAsync(page, "audit");

        // Filters: by action prefix, and by who acted.
        await page.FillAsync("#filter-action", "api-key.");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filtra" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("action=api-key"));
        var actions = await page.GetByTestId("audit-row").Locator("code").AllInnerTextsAsync();
        Assert.NotEmpty(actions);
        Assert.All(actions, a => Assert.StartsWith("api-key.", a, StringComparison.Ordinal));

        await page.GotoAsync("/console/audit?actor=centralino");
        var byKey = await page.GetByTestId("audit-row").AllInnerTextsAsync();
        Assert.NotEmpty(byKey);
        Assert.All(byKey, r => Assert.Contains("Centralino Protezione Civile", r, StringComparison.Ordinal));
        Assert.Contains(byKey, r => r.Contains("personal-data.read", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Staff_member_changes_password_with_errors_shown_and_switches_the_interface_to_English()
    {
        var (email, password) = await CreateUserAsync("Giulia Bianchi (redazione)");
        var page = await SignInAsync(email, password);
        await page.GotoAsync("/console/account");
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Il tuo account");
        await Assertions.Expect(page.GetByTestId("account-identity")).ToContainTextAsync(email);
        await BrowserFixture.ScreenshotAsync(page, "account");

        // Wrong current password, too-weak new password that is not repeated the same: every error is shown.
        await page.FillAsync("#current-password", "not-my-password");
        await page.FillAsync("#new-password", "short");
        await page.FillAsync("#confirm-password", "different");
        await page.GetByTestId("change-password").ClickAsync();
        await Assertions.Expect(page.Locator("#confirm-password")).ToHaveClassAsync(new Regex("is-invalid"));
        await Assertions.Expect(page.GetByTestId("page-message")).ToHaveClassAsync(new Regex("alert-danger"));

        await page.FillAsync("#current-password", "not-my-password");
        await page.FillAsync("#new-password", "abcdefghijkl");
        await page.FillAsync("#confirm-password", "abcdefghijkl");
        await page.GetByTestId("change-password").ClickAsync();
        await Assertions.Expect(page.Locator("#current-password")).ToHaveClassAsync(new Regex("is-invalid"));
        await Assertions.Expect(page.Locator("#current-password ~ .invalid-feedback")).ToContainTextAsync("password attuale");

        await page.FillAsync("#current-password", password);
        await page.FillAsync("#new-password", "abcdefghijkl");
        await page.FillAsync("#confirm-password", "abcdefghijkl");
        await page.GetByTestId("change-password").ClickAsync();
        await Assertions.Expect(page.Locator("#new-password")).ToHaveClassAsync(new Regex("is-invalid"));
        await Assertions.Expect(page.Locator("#new-password ~ .invalid-feedback")).ToContainTextAsync("cifra");

        const string NewPassword = "Piazza-Nuova-Password-2";
        await page.FillAsync("#current-password", password);
        await page.FillAsync("#new-password", NewPassword);
        await page.FillAsync("#confirm-password", NewPassword);
        await page.GetByTestId("change-password").ClickAsync();
        await Assertions.Expect(page.GetByTestId("page-message")).ToHaveClassAsync(new Regex("alert-success"));
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Il tuo account"); // still signed in

        // Interface language: English, saved on the account.
        await page.Locator("label[for=ui-culture-en]").ClickAsync();
        await page.GetByTestId("save-language").ClickAsync();
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Your account");
        await Assertions.Expect(page.GetByTestId("page-message")).ToContainTextAsync("interface language has been saved");
        var nav = page.GetByRole(AriaRole.Navigation, new() { Name = "Main menu" });
        await Assertions.Expect(nav.GetByRole(AriaRole.Link, new() { Name = "Subscribers" })).ToBeVisibleAsync();
        await Assertions.Expect(nav.GetByRole(AriaRole.Link, new() { Name = "Topics" })).ToBeVisibleAsync();
        await Assertions.Expect(nav.GetByRole(AriaRole.Link, new() { Name = "Audit log" })).ToHaveCountAsync(0); // an editor has no audit:read
        Assert.Equal("en", await page.Locator("html").GetAttributeAsync("lang"));

        // A new browser (no culture cookie) signing in with the new password gets English from the account, the old password no longer works.
        var fresh = await fixture.NewPageAsync();
        await BrowserFixture.SignInAsync(fresh, email, password);
        await Assertions.Expect(fresh.GetByTestId("page-message")).ToBeVisibleAsync();
        await BrowserFixture.SignInAsync(fresh, email, NewPassword);
        await Assertions.Expect(fresh).ToHaveURLAsync(new Regex("/console$"));
        await Assertions.Expect(fresh.GetByRole(AriaRole.Navigation, new() { Name = "Main menu" }).GetByRole(AriaRole.Link, new() { Name = "Topics" })).ToBeVisibleAsync();

        // Both changes are in the audit log.
        var admin = await fixture.NewPageAsync(signInAs: Admin);
        await admin.GotoAsync("/console/audit?action=account.&actor=" + Uri.EscapeDataString(email));
        await Assertions.Expect(admin.GetByTestId("audit-row").Filter(new() { HasText = "account.password-changed" })).ToHaveCountAsync(1);
        await Assertions.Expect(admin.GetByTestId("audit-row").Filter(new() { HasText = "account.language-changed" })).ToHaveCountAsync(1);
    }

    [Fact]
    public async Task Two_factor_sign_in_with_an_authenticator_app_and_with_a_recovery_code()
    {
        var (email, password) = await CreateUserAsync("Luca Neri (due fattori)");
        var page = await SignInAsync(email, password);
        await page.GotoAsync("/console/account");
        await Assertions.Expect(page.GetByTestId("two-factor-status")).ToHaveTextAsync("Disattivata");
        var cookieBefore = await AuthCookieAsync(page);
        await page.GetByTestId("set-up-two-factor").ClickAsync();
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Configura l'app di autenticazione");
        // The new key renewed the security stamp, so the page renewed this browser's sign-in (else it would be
        // signed out a minute later, in the middle of the setup).
        Assert.NotEqual(cookieBefore, await AuthCookieAsync(page));
        await Assertions.Expect(page.GetByTestId("totp-qr").Locator("svg")).ToBeVisibleAsync();
        var box = await page.GetByTestId("totp-qr").Locator("svg").BoundingBoxAsync();
        Assert.True(box is { Width: > 150, Height: > 150 }, "The QR code is too small to scan.");
        await BrowserFixture.ScreenshotAsync(page, "totp-setup");

        // The key in the text is the one a phone would read: a wrong code is refused, the computed one accepted.
        var secret = (await page.GetByTestId("authenticator-key").InnerTextAsync()).Replace(" ", string.Empty, StringComparison.Ordinal);
        await page.FillAsync("#totp-code", WrongCode(secret));
        await page.GetByTestId("confirm-two-factor").ClickAsync();
        await Assertions.Expect(page.Locator("#totp-code")).ToHaveClassAsync(new Regex("is-invalid"));
        await Assertions.Expect(page.GetByTestId("authenticator-key")).ToHaveTextAsync(new Regex(Regex.Escape(secret[..4])));

        await page.FillAsync("#totp-code", Totp.Code(secret));
        await page.GetByTestId("confirm-two-factor").ClickAsync();
        await Assertions.Expect(page.GetByTestId("recovery-code")).ToHaveCountAsync(10);
        var recoveryCodes = await page.GetByTestId("recovery-code").AllInnerTextsAsync();
        Assert.Equal(10, recoveryCodes.Distinct().Count());
        await BrowserFixture.ScreenshotAsync(page, "totp-recovery-codes");
        await page.GetByTestId("back-to-account").ClickAsync();
        await Assertions.Expect(page.GetByTestId("two-factor-status")).ToHaveTextAsync("Attiva");
        await Assertions.Expect(page.GetByTestId("two-factor-section")).ToContainTextAsync(new Regex("rimasti: 10\\."));
        await SignOutAsync(page);

        // The password alone is no longer enough: a wrong code is refused, the app's code lets the user in.
        await BrowserFixture.SignInAsync(page, email, password);
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/console/sign-in/two-factor"));
        await page.GotoAsync("/console/topics");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/console/sign-in"));
        await BrowserFixture.SignInAsync(page, email, password);
        await page.FillAsync("#code", WrongCode(secret));
        await page.ClickAsync("button[type=submit]");
        await Assertions.Expect(page.GetByTestId("page-message")).ToHaveClassAsync(new Regex("alert-danger"));
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/console/sign-in/two-factor"));
        await page.FillAsync("#code", Totp.Code(secret));
        await page.ClickAsync("button[type=submit]");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/console$"));
        await Assertions.Expect(page.GetByTestId("current-user")).ToHaveTextAsync("Luca Neri (due fattori)");
        await SignOutAsync(page);

        // Without the phone: a recovery code works once.
        await BrowserFixture.SignInAsync(page, email, password);
        await page.GetByTestId("use-recovery-code").GetByRole(AriaRole.Link).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/console/sign-in/recovery-code"));
        await page.FillAsync("#recovery-code", recoveryCodes[0]);
        await page.ClickAsync("button[type=submit]");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/console$"));
        await page.GotoAsync("/console/account");
        await Assertions.Expect(page.GetByTestId("two-factor-section")).ToContainTextAsync(new Regex("rimasti: 9\\."));
        await SignOutAsync(page);

        await BrowserFixture.SignInAsync(page, email, password);
        await page.GotoAsync("/console/sign-in/recovery-code");
        await page.FillAsync("#recovery-code", recoveryCodes[0]);
        await page.ClickAsync("button[type=submit]");
        await Assertions.Expect(page.GetByTestId("page-message")).ToHaveClassAsync(new Regex("alert-danger"));
        await page.FillAsync("#recovery-code", recoveryCodes[1]);
        await page.ClickAsync("button[type=submit]");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/console$"));

        // New recovery codes (password asked), then two-factor off (password asked): the password alone signs in again.
        await page.GotoAsync("/console/account");
        await page.FillAsync("#codes-password", "wrong-password");
        await page.GetByTestId("regenerate-codes").ClickAsync();
        await Assertions.Expect(page.Locator("#codes-password")).ToHaveClassAsync(new Regex("is-invalid"));
        await page.FillAsync("#codes-password", password);
        await page.GetByTestId("regenerate-codes").ClickAsync();
        await Assertions.Expect(page.GetByTestId("recovery-code")).ToHaveCountAsync(10);
        var renewed = await page.GetByTestId("recovery-code").AllInnerTextsAsync();
        Assert.Empty(renewed.Intersect(recoveryCodes));
        await page.FillAsync("#disable-password", password);
        await page.GetByTestId("disable-two-factor").ClickAsync();
        await Assertions.Expect(page.GetByTestId("two-factor-status")).ToHaveTextAsync("Disattivata");
        await SignOutAsync(page);
        await BrowserFixture.SignInAsync(page, email, password);
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/console$"));

        var admin = await fixture.NewPageAsync(signInAs: Admin);
        await admin.GotoAsync("/console/audit?action=account.&actor=" + Uri.EscapeDataString(email));
        var actions = await admin.GetByTestId("audit-row").Locator("code").AllInnerTextsAsync();
        Assert.Equal(
            ["account.two-factor-disabled", "account.recovery-codes-regenerated", "account.recovery-code-used", "account.recovery-code-used", "account.two-factor-enabled"],
            actions);
    }

    [Fact]
    public async Task API_keys_audit_log_and_account_pages_fit_a_small_phone()
    {
        var admin = await fixture.NewPageAsync(width: 375, height: 740, signInAs: Admin);
        var (email, password) = await CreateUserAsync("Anna Verdi (telefono)");
        var user = await fixture.NewPageAsync(width: 375, height: 740);
        await BrowserFixture.SignInAsync(user, email, password);
        await Assertions.Expect(user).ToHaveURLAsync(new Regex("/console$"));
        foreach (var (page, path) in new[] { (admin, "/console/api-keys"), (admin, "/console/audit"), (user, "/console/account"), (user, "/console/account/two-factor") })
        {
            await page.GotoAsync(path);
            await Assertions.Expect(page.Locator("h1")).ToBeVisibleAsync();
            await BrowserFixture.ScreenshotAsync(page, "phone" + path.Replace('/', '-'));
            var wide = await page.EvaluateAsync<string>(
                "document.documentElement.scrollWidth + ': ' + [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1).slice(0, 6).map(e => e.tagName + '.' + e.className + ' ' + getComputedStyle(e).position + ' ' + Math.round(e.getBoundingClientRect().right)).join(', ')");
            var overflow = await page.EvaluateAsync<bool>("document.documentElement.scrollWidth > window.innerWidth + 1");
            Assert.False(overflow, $"{path} scrolls sideways on a 375px-wide phone: {wide}");
        }
    }

    private static HttpClient ApiClientFor(Uri baseAddress, string key)
    {
        var client = new HttpClient { BaseAddress = baseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    /// <summary>A 6-digit code that is valid in none of the steps Identity accepts around now.</summary>
    private static string WrongCode(string secret)
    {
        var now = DateTimeOffset.UtcNow;
        var valid = Enumerable.Range(-3, 7).Select(i => Totp.Code(secret, now.AddSeconds(i * Totp.StepSeconds))).ToHashSet(StringComparer.Ordinal);
        var wrong = 123456;
        while (valid.Contains(wrong.ToString("D6", CultureInfo.InvariantCulture)))
        {
            wrong++;
        }

        return wrong.ToString("D6", CultureInfo.InvariantCulture);
    }

    private static async Task<string?> AuthCookieAsync(IPage page) =>
        (await page.Context.CookiesAsync()).FirstOrDefault(c => c.Name == "piazza.auth")?.Value;

    private static async Task SignOutAsync(IPage page)
    {
        await page.Locator("form[action='/console/sign-out'] button").ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/console/sign-in"));
    }

    private HttpClient ApiClient(string key) => ApiClientFor(fixture.BaseAddress, key);

    private async Task<IPage> SignInAsync(string email, string password)
    {
        var page = await fixture.NewPageAsync();
        await BrowserFixture.SignInAsync(page, email, password);
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/console$"));
        return page;
    }

    /// <summary>Creates the API key through the console and returns it.</summary>
    private static async Task<string> CreateKeyInConsoleAsync(IPage page, string name, params string[] scopeIds)
    {
        await page.GotoAsync("/console/api-keys");
        await page.FillAsync("#key-name", name);
        foreach (var scope in scopeIds)
        {
            await page.Locator($"label[for=scope-{scope}]").ClickAsync();
        }

        await page.GetByRole(AriaRole.Button, new() { Name = "Crea chiave" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("created-key")).ToBeVisibleAsync();
        return await page.GetByTestId("new-key-value").InputValueAsync();
    }

    /// <summary>A staff member of the demo municipality of this test's own (an editor), as an administrator would
    /// create one; returns the e-mail and the generated password.</summary>
    private async Task<(string Email, string Password)> CreateUserAsync(string name)
    {
        var email = "test-" + Guid.NewGuid().ToString("N")[..8] + "@prato.demo";
        Guid organization;
        await using (var lookup = fixture.Services.CreateAsyncScope())
        {
            organization = await lookup.ServiceProvider.GetRequiredService<PiazzaDb>().Organizations.IgnoreQueryFilters()
                .Where(o => o.Slug == DemoSeeder.Slug).Select(o => o.Id).SingleAsync();
        }

        await using var scope = ActorOverride.ForOrganization(fixture.Services, organization);
        var created = await scope.ServiceProvider.GetRequiredService<StaffService>()
            .CreateAsync(new StaffUserInput(email, name, [new RoleView(StaffRole.Editor, null, null)]), CancellationToken.None);
        return (email, created.Password);
    }
}
