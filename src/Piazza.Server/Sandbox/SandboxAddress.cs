using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Piazza.Channels.WhatsApp.Simulator;

namespace Piazza.Server.Sandbox;

/// <summary>This server's own address for its simulators: the setting <c>Sandbox:BaseUrl</c> when given (behind a
/// proxy, or to reach the simulator by another name), else the first address Kestrel listens on (an http one when
/// there is one; 0.0.0.0, [::], + and * become the loopback address).</summary>
public sealed class SandboxAddress(IServer server, IConfiguration config) : ISandboxAddress
{
    private Uri? _found;

    public Uri? BaseAddress => _found ??= Configured() ?? Listening();

    private Uri? Configured() =>
        config["Sandbox:BaseUrl"] is { Length: > 0 } url && Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri : null;

    private Uri? Listening()
    {
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses;
        if (addresses is null || addresses.Count == 0)
        {
            return null;
        }

        var address = addresses.FirstOrDefault(a => a.StartsWith("http://", StringComparison.OrdinalIgnoreCase)) ?? addresses.First();
        address = address
            .Replace("://0.0.0.0", "://127.0.0.1", StringComparison.Ordinal)
            .Replace("://[::]", "://[::1]", StringComparison.Ordinal)
            .Replace("://+", "://localhost", StringComparison.Ordinal)
            .Replace("://*", "://localhost", StringComparison.Ordinal);
        return Uri.TryCreate(address, UriKind.Absolute, out var uri) && uri.Port != 0 ? uri : null;
    }
}
