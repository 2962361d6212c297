using Microsoft.AspNetCore.Identity;
using Piazza.Common;

namespace Piazza.Staff;

/// <summary>The signed-in user's own account, as shown on the account page.</summary>
/// <param name="Email">Sign-in e-mail.</param>
/// <param name="DisplayName">Name shown to colleagues.</param>
/// <param name="UiCulture">Interface language: "it" or "en".</param>
/// <param name="TwoFactorEnabled">Whether an authenticator app is required at sign-in.</param>
/// <param name="RecoveryCodesLeft">Unused recovery codes (only meaningful with two-factor sign-in).</param>
public sealed record AccountView(string Email, string DisplayName, string UiCulture, bool TwoFactorEnabled, int RecoveryCodesLeft);

/// <summary>An authenticator key being set up: the key in Base32 and the otpauth:// URI for the QR code.</summary>
/// <param name="Key">Base32 secret, to type into the app when the QR code cannot be scanned.</param>
/// <param name="Uri">otpauth://totp/… URI that authenticator apps read from the QR code.</param>
/// <param name="IsNew">True when the key was created just now (the user's security stamp changed: renew their sign-in cookie).</param>
public sealed record AuthenticatorSetup(string Key, string Uri, bool IsNew);

/// <summary>What signed-in staff members do with their own account: password, interface language and
/// two-factor sign-in with an authenticator app (TOTP). Needs no permission, only a signed-in user; every
/// change is audited.</summary>
public sealed class AccountService(ServiceContext ctx, UserManager<StaffUser> users)
{
    public const int RecoveryCodeCount = 10;

    public const string Issuer = "Piazza";

    public async Task<AccountView> GetAsync(CancellationToken ct)
    {
        var user = await CurrentAsync(ct);
        return new AccountView(
            user.Email ?? string.Empty, user.DisplayName, user.UiCulture, user.TwoFactorEnabled,
            user.TwoFactorEnabled ? await users.CountRecoveryCodesAsync(user) : 0);
    }

    public async Task ChangePasswordAsync(string? current, string? next, string? confirm, CancellationToken ct)
    {
        var user = await CurrentAsync(ct);
        new Validation()
            .When(string.IsNullOrEmpty(current), "currentPassword", "Enter your current password.")
            .When(string.IsNullOrEmpty(next), "newPassword", "Enter the new password.")
            .When(!string.IsNullOrEmpty(next) && !string.Equals(next, confirm, StringComparison.Ordinal), "confirmPassword", "The two new passwords do not match.")
            .When(!string.IsNullOrEmpty(next) && string.Equals(next, current, StringComparison.Ordinal), "newPassword", "The new password must be different from the current one.")
            .ThrowIfInvalid();
        var result = await users.ChangePasswordAsync(user, current!, next!);
        if (!result.Succeeded)
        {
            var v = new Validation();
            foreach (var e in result.Errors)
            {
                if (e.Code == nameof(IdentityErrorDescriber.PasswordMismatch))
                {
                    v.Add("currentPassword", "The current password is not correct.");
                }
                else
                {
                    v.Add("newPassword", PasswordRuleMessage(e));
                }
            }

            v.ThrowIfInvalid();
        }

        await RecordAsync("account.password-changed", ct);
    }

    public async Task SetUiCultureAsync(string? culture, CancellationToken ct)
    {
        var user = await CurrentAsync(ct);
        new Validation()
            .When(culture is null || !StaffService.UiCultures.Contains(culture, StringComparer.Ordinal), "uiCulture", "The interface language must be it or en.")
            .ThrowIfInvalid();
        if (user.UiCulture == culture)
        {
            return;
        }

        user.UiCulture = culture!;
        ctx.Audit.Record("account.language-changed", "user", user.Id.ToString(), culture);
        ThrowIfFailed(await users.UpdateAsync(user));
    }

    /// <summary>The authenticator key to set up (a new one if the user has none yet). Two-factor sign-in stays off
    /// until <see cref="EnableTwoFactorAsync"/> confirms a code from the app.</summary>
    public async Task<AuthenticatorSetup> GetAuthenticatorSetupAsync(CancellationToken ct)
    {
        var user = await CurrentAsync(ct);
        if (user.TwoFactorEnabled)
        {
            throw ValidationFailedException.For("code", "Two-factor authentication is already on.");
        }

        var key = await users.GetAuthenticatorKeyAsync(user);
        var isNew = string.IsNullOrEmpty(key);
        if (isNew)
        {
            ThrowIfFailed(await users.ResetAuthenticatorKeyAsync(user));
            key = await users.GetAuthenticatorKeyAsync(user);
        }

        var label = Uri.EscapeDataString(Issuer) + ":" + Uri.EscapeDataString(user.Email ?? user.UserName ?? user.Id.ToString());
        var uri = $"otpauth://totp/{label}?secret={key}&issuer={Uri.EscapeDataString(Issuer)}&digits=6&period=30";
        return new AuthenticatorSetup(key!, uri, isNew);
    }

    /// <summary>Checks a code from the authenticator app, turns two-factor sign-in on and returns the
    /// recovery codes, which are shown this once.</summary>
    public async Task<IReadOnlyList<string>> EnableTwoFactorAsync(string? code, CancellationToken ct)
    {
        var user = await CurrentAsync(ct);
        var clean = CleanCode(code);
        new Validation()
            .When(user.TwoFactorEnabled, "code", "Two-factor authentication is already on.")
            .When(clean.Length != 6 || !clean.All(char.IsAsciiDigit), "code", "Enter the 6-digit code shown by the app.")
            .ThrowIfInvalid();
        if (!await users.VerifyTwoFactorTokenAsync(user, users.Options.Tokens.AuthenticatorTokenProvider, clean))
        {
            throw ValidationFailedException.For("code", "That code is not valid. Check that the time on your phone is correct and try again.");
        }

        ThrowIfFailed(await users.SetTwoFactorEnabledAsync(user, true));
        var codes = (await users.GenerateNewTwoFactorRecoveryCodesAsync(user, RecoveryCodeCount))?.ToList() ?? [];
        await RecordAsync("account.two-factor-enabled", ct);
        return codes;
    }

    /// <summary>Turns two-factor sign-in off (the password is asked again) and forgets the authenticator key.</summary>
    public async Task DisableTwoFactorAsync(string? password, CancellationToken ct)
    {
        var user = await CurrentAsync(ct);
        await CheckPasswordAsync(user, password);
        ThrowIfFailed(await users.SetTwoFactorEnabledAsync(user, false));
        ThrowIfFailed(await users.ResetAuthenticatorKeyAsync(user));
        await RecordAsync("account.two-factor-disabled", ct);
    }

    /// <summary>Replaces the recovery codes with new ones (the old ones stop working); the new ones are shown this once.</summary>
    public async Task<IReadOnlyList<string>> RegenerateRecoveryCodesAsync(string? password, CancellationToken ct)
    {
        var user = await CurrentAsync(ct);
        await CheckPasswordAsync(user, password);
        if (!user.TwoFactorEnabled)
        {
            throw ValidationFailedException.For("password", "Two-factor authentication is off: there are no recovery codes.");
        }

        var codes = (await users.GenerateNewTwoFactorRecoveryCodesAsync(user, RecoveryCodeCount))?.ToList() ?? [];
        await RecordAsync("account.recovery-codes-regenerated", ct);
        return codes;
    }

    private static string CleanCode(string? code) =>
        (code ?? string.Empty).Replace(" ", string.Empty, StringComparison.Ordinal).Replace("-", string.Empty, StringComparison.Ordinal).Trim();

    private static string PasswordRuleMessage(IdentityError e) => e.Code switch
    {
        nameof(IdentityErrorDescriber.PasswordTooShort) => "The password is too short.",
        nameof(IdentityErrorDescriber.PasswordRequiresDigit) => "The password needs at least one digit.",
        nameof(IdentityErrorDescriber.PasswordRequiresLower) => "The password needs at least one lower-case letter.",
        nameof(IdentityErrorDescriber.PasswordRequiresUpper) => "The password needs at least one upper-case letter.",
        nameof(IdentityErrorDescriber.PasswordRequiresNonAlphanumeric) => "The password needs at least one symbol (for example - ! or #).",
        nameof(IdentityErrorDescriber.PasswordRequiresUniqueChars) => "The password needs more different characters.",
        _ => e.Description,
    };

    private static void ThrowIfFailed(IdentityResult result)
    {
        if (!result.Succeeded)
        {
            throw ValidationFailedException.For("user", string.Join(" ", result.Errors.Select(e => e.Description)));
        }
    }

    private async Task CheckPasswordAsync(StaffUser user, string? password)
    {
        if (string.IsNullOrEmpty(password) || !await users.CheckPasswordAsync(user, password))
        {
            throw ValidationFailedException.For("password", "The password is not correct.");
        }
    }

    private async Task RecordAsync(string action, CancellationToken ct)
    {
        var id = ctx.Actor.UserId!.Value.ToString();
        ctx.Audit.Record(action, "user", id, ctx.Actor.Name);
        await ctx.Db.SaveChangesAsync(ct);
    }

    private async Task<StaffUser> CurrentAsync(CancellationToken ct)
    {
        if (ctx.Actor.UserId is not { } id)
        {
            throw new ForbiddenException("Only a signed-in staff member has an account to manage.");
        }

        ct.ThrowIfCancellationRequested();
        return await users.FindByIdAsync(id.ToString()) ?? throw new NotFoundException("user", id.ToString());
    }
}
