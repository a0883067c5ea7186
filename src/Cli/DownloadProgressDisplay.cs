using System.Globalization;
using Mae.Cluster.Inference.Hub;
using Spectre.Console;

namespace Mae.Cluster.Cli;

/// <summary>
/// Shows Hub download progress on stderr: a live bar per file in a terminal, a plain line per 10% otherwise
/// (CI logs). Nothing is shown when nothing is downloaded.
/// </summary>
internal static class DownloadProgressDisplay
{
    public static async Task<T> RunAsync<T>(Func<IProgress<HubDownloadProgress>, Task<T>> work, CommandConsole commandConsole)
    {
        ArgumentNullException.ThrowIfNull(work);
        ArgumentNullException.ThrowIfNull(commandConsole);
        if (commandConsole.LiveErrorConsole() is not { } console)
        {
            return await work(new PlainProgress(commandConsole.Error)).ConfigureAwait(false);
        }

        T result = default!;
        await console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                var tasks = new Dictionary<string, ProgressTask>(StringComparer.Ordinal);
                var progress = new SynchronousProgress(p =>
                {
                    if (!tasks.TryGetValue(p.FileName, out var task))
                    {
                        task = context.AddTask(p.FileName, maxValue: Math.Max(1, p.FileTotalBytes ?? 1));
                        tasks[p.FileName] = task;
                    }
                    if (p.FileTotalBytes is { } total)
                    {
                        task.MaxValue = Math.Max(1, total);
                    }
                    task.Value = p.FileBytes;
                });
                result = await work(progress).ConfigureAwait(false);
            }).ConfigureAwait(false);
        return result;
    }

    /// <summary>Reports on the caller's thread: Progress&lt;T&gt; would post to the thread pool and reorder updates.</summary>
    private sealed class SynchronousProgress(Action<HubDownloadProgress> report) : IProgress<HubDownloadProgress>
    {
        private readonly Lock _gate = new();

        public void Report(HubDownloadProgress value)
        {
            lock (_gate)
            {
                report(value);
            }
        }
    }

    private sealed class PlainProgress(TextWriter error) : IProgress<HubDownloadProgress>
    {
        private readonly Dictionary<string, int> _lastDecile = new(StringComparer.Ordinal);
        private readonly Lock _gate = new();

        public void Report(HubDownloadProgress value)
        {
            lock (_gate)
            {
                var decile = value.FileTotalBytes is > 0 and var total ? (int)(10 * value.FileBytes / total) : 0;
                if (_lastDecile.TryGetValue(value.FileName, out var last) && last == decile)
                {
                    return;
                }
                _lastDecile[value.FileName] = decile;
                error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"download {value.RepoId} {value.FileName}: {value.FileBytes:N0}{(value.FileTotalBytes is { } t ? $" / {t:N0}" : "")} bytes"));
            }
        }
    }
}
