namespace Mae.Cluster.Pipeline;

/// <summary>
/// One device's loaded model, shared by the shards running on the device at once. Shards that need the loaded model
/// use it together; a shard that needs another one waits until every lease on the loaded one is returned, and only
/// then is it disposed and replaced: a model disposed under a running batch is freed twice in native code. While a
/// shard waits for another model, no new shard joins the loaded one, so a steady stream of one job's shards cannot
/// starve another job's.
/// </summary>
/// <typeparam name="TKey">What makes two models the same (checkpoint, seed, mask ratio, precision, batch size).</typeparam>
/// <typeparam name="TEngine">The loaded model.</typeparam>
public sealed class SharedEngine<TKey, TEngine>(Func<TKey, CancellationToken, Task<TEngine>> load) : IDisposable
    where TKey : class
    where TEngine : class, IDisposable
{
    private readonly Lock _sync = new();
    private TEngine? _engine;
    private TKey? _key; // of the model loaded, or being loaded
    private int _leases;
    private int _loads;
    private int _waitingForAnother;
    private TaskCompletionSource _changed = NewSignal();

    /// <summary>The model for <paramref name="key"/>, loading it once no shard uses the current one; dispose the lease when done.</summary>
    public async Task<Lease> AcquireAsync(TKey key, CancellationToken cancellationToken)
    {
        // A shard waiting for another model stays counted until it looks again, so the loaded model's users cannot
        // slip in between its wake-up and its turn. A shard that waited for this very model to load joins it anyway:
        // it came before whoever waits for another.
        var waitingForAnother = false;
        int? waitedForLoad = null;
        try
        {
            while (true)
            {
                Task changed;
                bool mustLoad;
                TEngine? retired;
                lock (_sync)
                {
                    if (waitingForAnother)
                    {
                        (_waitingForAnother, waitingForAnother) = (_waitingForAnother - 1, false);
                    }
                    var another = _key is null || !EqualityComparer<TKey>.Default.Equals(_key, key);
                    if (!another && _engine is not null && (_waitingForAnother == 0 || waitedForLoad == _loads))
                    {
                        _leases++;
                        return new Lease(this, _engine);
                    }
                    mustLoad = another && _leases == 0 && !Loading;
                    retired = mustLoad ? _engine : null;
                    changed = _changed.Task;
                    if (mustLoad)
                    {
                        (_engine, _key, _loads) = (null, key, _loads + 1);
                    }
                    else if (another)
                    {
                        (_waitingForAnother, waitingForAnother) = (_waitingForAnother + 1, true);
                    }
                    else if (Loading)
                    {
                        waitedForLoad = _loads;
                    }
                }
                if (mustLoad)
                {
                    return await LoadAsync(retired, key, cancellationToken).ConfigureAwait(false);
                }
                await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            if (waitingForAnother)
            {
                // Gave up waiting: the loaded model's users must not wait for it any longer.
                lock (_sync)
                {
                    _waitingForAnother--;
                    Signal();
                }
            }
        }
    }

    private async Task<Lease> LoadAsync(TEngine? retired, TKey key, CancellationToken cancellationToken)
    {
        TEngine engine;
        try
        {
            retired?.Dispose();
            engine = await load(key, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            lock (_sync)
            {
                _key = null;
                Signal();
            }
            throw;
        }
        lock (_sync)
        {
            (_engine, _leases) = (engine, 1);
            Signal();
            return new Lease(this, engine);
        }
    }

    /// <summary>A model is being loaded: its key is known, the model not yet; read under the lock.</summary>
    private bool Loading => _key is not null && _engine is null;

    private void Return()
    {
        lock (_sync)
        {
            if (--_leases == 0)
            {
                Signal();
            }
        }
    }

    /// <summary>Wakes every waiter to look again; called under the lock.</summary>
    private void Signal()
    {
        _changed.TrySetResult();
        _changed = NewSignal();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Disposes the loaded model; call once no shard runs.</summary>
    public void Dispose()
    {
        lock (_sync)
        {
            _engine?.Dispose();
            (_engine, _key) = (null, null);
        }
    }

    /// <summary>A shard's use of the loaded model.</summary>
    public sealed class Lease(SharedEngine<TKey, TEngine> owner, TEngine engine) : IDisposable
    {
        private int _returned;

        public TEngine Engine => engine;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _returned, 1) == 0)
            {
                owner.Return();
            }
        }
    }
}
