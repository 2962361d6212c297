using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Piazza.Data;

namespace Piazza.Broadcast;

/// <summary>
/// Serialises the broadcast engine's writes on SQLite, which has one writer at a time: the engine's own components
/// (releaser, channel workers, status updates) queue here instead of sleeping in SQLite's busy handler, which would
/// add tens of milliseconds to an emergency. The dispatch's own claims and completions (<c>background</c>) leave the
/// write lock free after each transaction for a share of the time (<see cref="BroadcastOptions.SqliteWriteShare"/>):
/// other writers of the process (the console, the API: an approval) sleep in SQLite's busy handler and would otherwise
/// rarely find it free while a broadcast runs at full speed. On PostgreSQL it does nothing.
/// </summary>
public sealed class SqliteWriteGate(IOptions<BroadcastOptions> options) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly double _share = Math.Clamp(options.Value.SqliteWriteShare, 0.05, 1);
    private long _freeUntil;

    public async ValueTask<IDisposable?> EnterAsync(bool sqlite, CancellationToken ct, bool background = false)
    {
        if (!sqlite)
        {
            return null;
        }

        if (background && _share < 1)
        {
            // Real time, whatever the engine's clock: this is about SQLite's lock, not about the schedule.
            var free = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), Volatile.Read(ref _freeUntil));
            if (free > TimeSpan.Zero)
            {
                await Task.Delay(free, ct);
            }
        }

        await _gate.WaitAsync(ct);
        return new Exit(this, background && _share < 1 ? Stopwatch.GetTimestamp() : 0);
    }

    public void Dispose() => _gate.Dispose();

    private void Exited(long enteredAt)
    {
        if (enteredAt != 0)
        {
            var now = Stopwatch.GetTimestamp();
            Volatile.Write(ref _freeUntil, now + (long)((now - enteredAt) * ((1 / _share) - 1)));
        }

        _gate.Release();
    }

    private sealed class Exit(SqliteWriteGate gate, long enteredAt) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                gate.Exited(enteredAt);
            }
        }
    }
}

/// <summary>A long-lived database session of a broadcast component: one DbContext (no tenant: the engine works for
/// every organization) and its connection, used by one caller at a time.</summary>
public sealed class EngineDb : IAsyncDisposable
{
    private readonly AsyncServiceScope _scope;
    private readonly SqliteWriteGate _gate;
    private readonly SemaphoreSlim _lock = new(1, 1);

    public EngineDb(IServiceScopeFactory scopes, SqliteWriteGate gate)
    {
        _scope = scopes.CreateAsyncScope();
        _gate = gate;
        Store = new DeliveryStore(_scope.ServiceProvider.GetRequiredService<PiazzaDb>());
    }

    public DeliveryStore Store { get; }

    public bool IsSqlite => !Store.IsPostgres;

    /// <summary>The dispatch's bulk writes (claims, completions): on SQLite they leave the write lock free for a share
    /// of the time (<see cref="BroadcastOptions.SqliteWriteShare"/>).</summary>
    public bool Background { get; init; }

    /// <summary>Runs database work; on SQLite, holding the write gate.</summary>
    public async Task<T> RunAsync<T>(Func<DeliveryStore, Task<T>> work, CancellationToken ct)
    {
        await _lock.WaitAsync(ct);
        try
        {
            using var gate = await _gate.EnterAsync(IsSqlite, ct, Background);
            return await work(Store);
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Runs a read without the SQLite write gate (in WAL mode readers never wait for the writer): for the
    /// send path's lookups, which must not queue behind claims and completions.</summary>
    public async Task<T> ReadAsync<T>(Func<DeliveryStore, Task<T>> work, CancellationToken ct)
    {
        await _lock.WaitAsync(ct);
        try
        {
            return await work(Store);
        }
        finally
        {
            _lock.Release();
        }
    }

    public Task RunAsync(Func<DeliveryStore, Task> work, CancellationToken ct) => RunAsync(async s =>
    {
        await work(s);
        return true;
    }, ct);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Store.Db.Database.CloseConnectionAsync();
        }
        catch (InvalidOperationException)
        {
            // already closed
        }

        await _scope.DisposeAsync();
        _lock.Dispose();
    }
}
