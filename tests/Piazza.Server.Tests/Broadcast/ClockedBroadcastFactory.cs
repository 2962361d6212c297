using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Piazza.Broadcast;

namespace Piazza.Server.Tests.Broadcast;

/// <summary>The server on a clock the test moves (a FakeTimeProvider starting Monday 23 November 2026, 10:00 in
/// Rome), with the background releaser and dispatcher off: the test releases and dispatches step by step through
/// the same code (<see cref="Releaser"/>, <see cref="Dispatcher.PumpAsync"/>).</summary>
public sealed class ClockedBroadcastFactory : BroadcastFactory
{
    public static readonly TimeZoneInfo Rome = TimeZoneInfo.FindSystemTimeZoneById("Europe/Rome");

    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero));

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Broadcast:DispatcherEnabled", "false");
        builder.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(Clock));
    }

    /// <summary>Moves the clock forward to the next time it is <paramref name="day"/> <paramref name="hour"/>:<paramref name="minute"/> in Rome.</summary>
    public DateTime AdvanceTo(DayOfWeek day, int hour, int minute)
    {
        var local = TimeZoneInfo.ConvertTimeFromUtc(Clock.GetUtcNow().UtcDateTime, Rome);
        var target = local.Date.AddHours(hour).AddMinutes(minute);
        while (target.DayOfWeek != day || target <= local)
        {
            target = target.AddDays(1);
        }

        return SetLocal(target);
    }

    /// <summary>Moves the clock forward to a local time in Rome (on the same day, later).</summary>
    public DateTime SetLocal(DateTime local)
    {
        var utc = TimeZoneInfo.ConvertTimeToUtc(DateTime.SpecifyKind(local, DateTimeKind.Unspecified), Rome);
        Clock.SetUtcNow(new DateTimeOffset(utc, TimeSpan.Zero));
        return utc;
    }

    public DateTime LocalNow => TimeZoneInfo.ConvertTimeFromUtc(Clock.GetUtcNow().UtcDateTime, Rome);

    /// <summary>Releases what is due, sends what is due on the channel, marks finished bulletins: one step of the engine.</summary>
    public async Task<int> StepAsync(Guid channelId)
    {
        await Service<Releaser>().ReleaseDueAsync(CancellationToken.None);
        var claimed = await Service<Dispatcher>().PumpAsync(channelId, CancellationToken.None);
        await Service<Releaser>().FinishAsync(CancellationToken.None);
        return claimed;
    }
}
