using System.Globalization;
using Mae.Cluster.Pipeline;
using Spectre.Console;

namespace Mae.Cluster.Client;

/// <summary>
/// Shows a job's progress on stderr: a live bar (shards, images, images/s, ETA, failures) in a terminal,
/// and a plain line every few seconds otherwise (CI logs).
/// </summary>
internal static class JobProgressDisplay
{
    private static readonly TimeSpan PlainInterval = TimeSpan.FromSeconds(5);

    public static async Task<T> RunAsync<T>(Func<IProgress<JobProgress>, Task<T>> work)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        if (!console.Profile.Capabilities.Interactive || Console.IsErrorRedirected)
        {
            return await work(new PlainProgress()).ConfigureAwait(false);
        }
        T result = default!;
        await console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask("shards", maxValue: 1);
                var gate = new Lock();
                result = await work(new CallbackProgress(p =>
                {
                    lock (gate)
                    {
                        task.MaxValue = Math.Max(1, p.ShardsTotal);
                        task.Value = p.ShardsDone;
                        task.Description = Describe(p);
                    }
                })).ConfigureAwait(false);
            }).ConfigureAwait(false);
        return result;
    }

    private static string Describe(JobProgress p)
    {
        var rate = p.Elapsed.TotalSeconds > 0 ? p.Images / p.Elapsed.TotalSeconds : 0;
        return string.Create(CultureInfo.InvariantCulture,
            $"{p.ShardsDone}/{p.ShardsTotal} shards ({p.ShardsSkipped} already done), {p.Images:N0} images, {rate:F1} images/s, {p.Failures:N0} failed");
    }

    private sealed class CallbackProgress(Action<JobProgress> report) : IProgress<JobProgress>
    {
        public void Report(JobProgress value) => report(value);
    }

    private sealed class PlainProgress : IProgress<JobProgress>
    {
        private readonly Lock _gate = new();
        private TimeSpan _last = -PlainInterval;

        public void Report(JobProgress value)
        {
            lock (_gate)
            {
                if (value.ShardsDone < value.ShardsTotal && value.Elapsed - _last < PlainInterval)
                {
                    return;
                }
                _last = value.Elapsed;
                Console.Error.WriteLine(Describe(value));
            }
        }
    }
}
