using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Mae.Cluster.Pipeline;
using Mae.Cluster.Storage.Blobs;

namespace Mae.Cluster.Cli.Commands;

/// <summary>
/// <c>mae verify OUT</c>: reads every committed shard of an output with the independent reader and reports the shards
/// whose files are unreadable or disagree with their commit record; <c>mae run/submit --repair</c> recomputes them.
/// </summary>
internal static class VerifyCommand
{
    /// <summary>Exit code when the output has bad shards: it is readable as a job's output, but not whole.</summary>
    public const int BadShardsExitCode = 1;

    public static Command Create()
    {
        var output = new Argument<string>("output") { Description = "The job's output folder or blob URI (the --output of mae run/submit)." };
        var json = ClusterCommands.Json("Print the result as one JSON object instead of lines.");
        var command = new Command("verify",
            "Read every committed shard of OUTPUT back and report unreadable or inconsistent ones (exit 1); 'mae run/submit --repair' recomputes them.")
        {
            output, json,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var store = ObjectStoreFactory.Create(parse.GetValue(output)!, options: null);
            var verification = await VerifyAsync(store, parse.GetValue(json) ? null : CommandConsole.Of(parse).Error, cancellationToken).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                await CommandConsole.Of(parse).Out.WriteLineAsync(JsonSerializer.Serialize(new
                {
                    output = store.Location.ToString(),
                    shards = verification.Shards,
                    committed_shards = verification.CommittedShards,
                    images = verification.Images,
                    healthy = verification.IsHealthy,
                    problems = verification.Problems.Select(p => new { shard = p.Shard, problem = p.Problem }),
                })).ConfigureAwait(false);
            }
            else
            {
                foreach (var problem in verification.Problems)
                {
                    await CommandConsole.Of(parse).Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"shard {problem.Shard}: {problem.Problem}")).ConfigureAwait(false);
                }
                await CommandConsole.Of(parse).Out.WriteLineAsync(Summary(verification, store)).ConfigureAwait(false);
            }
            return verification.IsHealthy ? 0 : BadShardsExitCode;
        });
        return command;
    }

    /// <summary>Verifies with a progress line every few seconds on <paramref name="progressTo"/> (none when null); shared with <c>--repair</c>.</summary>
    public static async Task<OutputVerification> VerifyAsync(IObjectStore output, TextWriter? progressTo, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        var lastReport = DateTime.UtcNow;
        var progress = progressTo is null ? null : new SynchronousProgress<(int Verified, int Total)>(p =>
        {
            // A line every few seconds on long outputs; nothing on small ones.
            if (DateTime.UtcNow - lastReport > TimeSpan.FromSeconds(3) && p.Verified < p.Total)
            {
                lastReport = DateTime.UtcNow;
                progressTo.WriteLine(string.Create(CultureInfo.InvariantCulture, $"verifying: {p.Verified}/{p.Total} committed shards read"));
            }
        });
        return await OutputVerifier.VerifyAsync(output, progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// <c>--repair</c>: verifies the output a job is about to run into and removes the commit records of its bad shards,
    /// so the job recomputes exactly those (a rerun skips every other committed shard). An output with no job yet has
    /// nothing to repair.
    /// </summary>
    public static async Task RepairAsync(IObjectStore output, bool hasJob, TextWriter error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        if (!hasJob)
        {
            await error.WriteLineAsync($"repair: {output.Location} holds no job yet; nothing to repair.").ConfigureAwait(false);
            return;
        }
        var verification = await VerifyAsync(output, error, cancellationToken).ConfigureAwait(false);
        foreach (var problem in verification.Problems)
        {
            await error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"repair: shard {problem.Shard}: {problem.Problem}")).ConfigureAwait(false);
        }
        await OutputVerifier.UncommitAsync(output, verification.BadShards, cancellationToken).ConfigureAwait(false);
        await error.WriteLineAsync(verification.IsHealthy
            ? string.Create(CultureInfo.InvariantCulture, $"repair: all {verification.CommittedShards} committed shards verified; nothing to recompute.")
            : string.Create(CultureInfo.InvariantCulture,
                $"repair: {verification.Problems.Count} of {verification.CommittedShards} committed shards will be recomputed ({string.Join(", ", verification.BadShards)}).")).ConfigureAwait(false);
    }

    public static string Summary(OutputVerification verification, IObjectStore output)
    {
        ArgumentNullException.ThrowIfNull(verification);
        ArgumentNullException.ThrowIfNull(output);
        var good = verification.CommittedShards - verification.Problems.Count;
        var pending = verification.Shards - verification.CommittedShards;
        var notYet = pending > 0 ? string.Create(CultureInfo.InvariantCulture, $", {pending} not committed yet") : "";
        var advice = verification.IsHealthy ? "." : ". Recompute the bad shards with the same 'mae run' (or 'mae submit') command plus --repair.";
        return string.Create(CultureInfo.InvariantCulture,
            $"{output.Location}: {verification.CommittedShards} of {verification.Shards} shards committed; {good} verified ({verification.Images} images), {verification.Problems.Count} bad{notYet}{advice}");
    }

    /// <summary>Reports on the calling thread; <see cref="Progress{T}"/> would post to the thread pool and print out of order.</summary>
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
