using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Piazza.Data;

namespace Piazza.Broadcast;

/// <summary>
/// Serialises the broadcast engine's writes on SQLite, which has one writer at a time: the engine's own components
/// (releaser, channel workers, status updates) queue here instead of sleeping in SQLite's busy handler, which would
/// add tens of milliseconds to an emergency. On PostgreSQL it does nothing.
/// </summary>
public sealed class SqliteWriteGate : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public async ValueTask<IDisposable?> EnterAsync(bool sqlite, CancellationToken ct)
    {
        if (!sqlite)
        {
            return null;
        }

        await _gate.WaitAsync(ct);
        return new Exit(_gate);
    }

    public void Dispose() => _gate.Dispose();

    private sealed class Exit(SemaphoreSlim gate) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                gate.Release();
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

    /// <summary>Runs database work; on SQLite, holding the write gate.</summary>
    public async Task<T> RunAsync<T>(Func<DeliveryStore, Task<T>> work, CancellationToken ct)
    {
        await _lock.WaitAsync(ct);
        try
        {
            using var gate = await _gate.EnterAsync(IsSqlite, ct);
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
