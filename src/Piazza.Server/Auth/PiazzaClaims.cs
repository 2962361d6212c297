namespace Piazza.Server.Auth;

/// <summary>Claim types Piazza adds to a signed-in user or an API key.</summary>
public static class PiazzaClaims
{
    public const string Organization = "piazza:org";
    public const string Scope = "piazza:scope";
    public const string ApiKeyId = "piazza:api-key";
    public const string DisplayName = "piazza:name";
}
