using Piazza.Channels;
using Piazza.Subscribers;
using Xunit;

namespace Piazza.Core.Tests;

public sealed class SubscriberMaskTests
{
    [Theory]
    [InlineData(ChannelKind.WhatsApp, "+393331234567", "+39•••••4567")]
    [InlineData(ChannelKind.WeChat, "oAbCdEfGhIjKlMnOpQz9", "oA•••••z9")]
    [InlineData(ChannelKind.Telegram, "123456789", "12•••••89")]
    [InlineData(ChannelKind.Telegram, "-1001234567", "-1•••••67")]
    [InlineData(ChannelKind.WhatsApp, "+1234567", "+•••••7")]
    [InlineData(ChannelKind.Web, "abcde", "a•••••e")]
    [InlineData(ChannelKind.Web, "abcd", "•••")]
    [InlineData(ChannelKind.Web, "", "•••")]
    public void Mask_hides_the_middle(ChannelKind kind, string address, string expected) => Assert.Equal(expected, SubscriberService.Mask(kind, address));

    [Theory]
    [InlineData(ChannelKind.WhatsApp, "+393331234567")]
    [InlineData(ChannelKind.WhatsApp, "+1234567")]
    [InlineData(ChannelKind.WeChat, "oAbCdEfGhIjKlMnOpQz9")]
    [InlineData(ChannelKind.Telegram, "555123987")]
    [InlineData(ChannelKind.Telegram, "12345")]
    [InlineData(ChannelKind.Mastodon, "@cittadina@mastodon.uno")]
    public void A_mask_always_hides_several_characters(ChannelKind kind, string address)
    {
        var masked = SubscriberService.Mask(kind, address);
        var shown = masked.Replace("•", "", StringComparison.Ordinal);
        Assert.True(address.Length - shown.Length >= 3, $"{address} -> {masked}");
        Assert.DoesNotContain(address, masked, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ChannelKind.WhatsApp, "+393331234567", true)]
    [InlineData(ChannelKind.WhatsApp, "3331234567", false)]
    [InlineData(ChannelKind.WeChat, "oAbC_dEf-123", true)]
    [InlineData(ChannelKind.WeChat, "o a b c", false)]
    [InlineData(ChannelKind.Telegram, "-1001234567", true)]
    [InlineData(ChannelKind.Telegram, "@utente", false)]
    [InlineData(ChannelKind.Web, "qualsiasi-cosa", true)]
    public void AddressProblem_follows_each_platform(ChannelKind kind, string address, bool valid) =>
        Assert.Equal(valid, SubscriberService.AddressProblem(kind, address) is null);

    [Fact]
    public void AddressProblem_refuses_overlong_addresses() => Assert.NotNull(SubscriberService.AddressProblem(ChannelKind.Web, new string('a', 201)));
}
