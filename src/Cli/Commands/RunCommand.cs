using System.CommandLine;
using System.Globalization;
using Mae.Cluster.Client;
using Mae.Cluster.Embedded;
using Mae.Cluster.Grains;
using Mae.Cluster.Inference.Checkpoints;
using Mae.Cluster.Inference.Onnx;
using Mae.Cluster.Pipeline;

namespace Mae.Cluster.Cli.Commands;

/// <summary>
/// <c>mae run INPUT --output OUT</c>: a whole job on this machine, run by an embedded one-silo cluster (the same grains,
/// workers and pipeline as a real cluster) — shards from a local folder or blob prefix, clip-retrieval-compatible
/// results back, resumable (a rerun skips committed shards). Ctrl-C cancels the job and leaves the output resumable.
/// </summary>
internal static class RunCommand
{
    private const int DefaultBatchSize = 32;

    /// <summary>How long cancelling the job may take before the silo is stopped anyway.</summary>
    private static readonly TimeSpan CancelTimeout = TimeSpan.FromSeconds(10);

    public static Command Create()
    {
        var job = new JobOptionSet(
            batchSizeDescription: $"Images per model call (default {DefaultBatchSize}).",
            precisionDescription: CommonOptions.PrecisionDescription, defaultPrecision: Precision.Fp32);
        var device = CommonOptions.Device();
        var threads = CommonOptions.Threads();
        var decodeThreads = CommonOptions.DecodeThreads();
        var decodeMode = CommonOptions.DecodeMode();
        var config = new Option<string?>("--config")
        {
            Description = "JSON file of silo settings shaped like src/Silo/appsettings.json (e.g. Mae:Worker:ShardsInFlight); " +
                          "environment variables such as Mae__Worker__Prefetch override it, and this command's options override both.",
        };
        // Refused before the model is fetched, like every other unusable option.
        config.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string?>() is { } file && !File.Exists(file))
            {
                r.AddError($"--config {file}: the file does not exist.");
            }
        });
        var command = new Command("run", "Run a whole job on this machine: embed every image of INPUT into OUTPUT (resumable).")
        {
            device, threads, decodeThreads, decodeMode.Option, config,
        };
        job.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var model = parse.GetValue(job.Model)!;
            var spec = job.ToSpec(parse, Directory.Exists(model) ? Path.GetFullPath(model) : model);
            spec = spec with { BatchSize = spec.BatchSize ?? DefaultBatchSize };
            var precision = spec.PrecisionOr(Precision.Fp32);

            // Everything that can be refused is refused before the model is fetched and the silo starts.
            JobPreflight.CheckSpec(spec);
            OnnxSessionFactory.EnsureSupported(parse.GetValue(device)!);
            var locations = await JobPreflight.CheckLocationsAsync(spec, storage: null, cancellationToken).ConfigureAwait(false);
            // Resolved here, with download progress; the silo then finds it in the same cache (or the same folder).
            var resolved = await ModelResolution.ResolveAsync(model, spec.Revision, CommandConsole.Of(parse), cancellationToken).ConfigureAwait(false);
            var checkpoint = MaeCheckpoint.Load(resolved.Directory, cancellationToken);
            JobPreflight.RefuseOtherJob(locations, spec, checkpoint, precision);
            if (parse.GetValue(job.Repair))
            {
                await VerifyCommand.RepairAsync(locations.Output, locations.Existing is not null, CommandConsole.Of(parse).Error, cancellationToken).ConfigureAwait(false);
            }

            var settings = new EmbeddedSiloSettings(parse.GetValue(device)!, spec.BatchSize.Value, precision, resolved.GraphCacheDirectory,
                parse.GetValue(threads), parse.GetValue(decodeThreads), decodeMode.ValueOf(parse));
            var cluster = await EmbeddedCluster.StartAsync(settings, parse.GetValue(config), cancellationToken).ConfigureAwait(false);
            await using (cluster.ConfigureAwait(false))
            {
                var final = await RunJobAsync(cluster.Jobs, spec, CommandConsole.Of(parse), cancellationToken).ConfigureAwait(false);
                if (JobOutcome.ExitCodeOf(final) != JobOutcome.Succeeded)
                {
                    return await JobWatch.ReportAsync(final, CommandConsole.Of(parse)).ConfigureAwait(false);
                }
                await CommandConsole.Of(parse).Error.WriteLineAsync(JobOutcome.CompletedLine(final, locations.Output.Location.ToString())).ConfigureAwait(false);
                return 0;
            }
        });
        return command;
    }

    /// <summary>Submits the job to the embedded silo and follows it; on Ctrl-C cancels it, abandoning in-flight shards.</summary>
    private static async Task<JobStatus> RunJobAsync(MaeClusterClient jobs, JobSpec spec, CommandConsole console, CancellationToken cancellationToken)
    {
        var submitted = await jobs.SubmitAsync(spec, $"run-{Guid.NewGuid():N}").ConfigureAwait(false);
        try
        {
            return await JobWatch.FollowAsync(jobs, submitted.JobId, json: false, console, cancellationToken, JobWatch.EmbeddedPollTimeout).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Committed shards stay committed and job.json stays "running": a rerun picks up where this stopped.
            await console.Error.WriteLineAsync("Cancelling: in-flight shards are abandoned; committed shards are kept for a rerun.").ConfigureAwait(false);
            await jobs.CancelAsync(submitted.JobId, abandonInFlight: true).WaitAsync(CancelTimeout, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }
}
