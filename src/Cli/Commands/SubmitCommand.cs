using System.CommandLine;
using Mae.Cluster.Client;

namespace Mae.Cluster.Cli.Commands;

/// <summary>
/// <c>mae submit INPUT --output OUT</c>: hands a job to a running cluster after refusing a spec that cannot work, and
/// prints its id; with <c>--wait</c> it follows the job and exits by its outcome.
/// </summary>
internal static class SubmitCommand
{
    public static Command Create()
    {
        var job = new JobOptionSet(
            batchSizeDescription: "Images per model call (default: each silo's Mae:Inference:BatchSize). Does not change the results.",
            precisionDescription: CommonOptions.PrecisionDescription + " Default: the Mae:Inference:Precision of the silo that starts the job.", defaultPrecision: null);
        var jobId = new Option<string?>("--job-id") { Description = "Job id (default: generated). Submitting the same job under the same id again is harmless." };
        var wait = new Option<bool>("--wait") { Description = "Follow the job until it ends and exit by its outcome." };
        var json = ClusterCommands.Json("Print the job's status as JSON (one object per change with --wait) instead of its id.");
        var config = ClusterCommands.Config();
        var command = new Command("submit", "Submit a job to a running cluster and print its id.") { jobId, wait, json, config };
        job.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var model = parse.GetValue(job.Model)!;
            // A checkpoint folder here is taken to be the same folder on the silos (a shared mount).
            var spec = job.ToSpec(parse, Directory.Exists(model) ? Path.GetFullPath(model) : model);
            JobPreflight.CheckSpec(spec);
            var locations = await JobPreflight.CheckLocationsAsync(spec, storage: null, cancellationToken).ConfigureAwait(false);
            JobPreflight.RefuseOtherJob(locations, spec);
            if (parse.GetValue(job.Repair))
            {
                // A known id names a job that has run: the cluster would report it again instead of recomputing anything.
                if (parse.GetValue(jobId) is not null)
                {
                    throw new RequestRefusedException("--repair recomputes shards in a new job; leave out --job-id.");
                }
                await VerifyCommand.RepairAsync(locations.Output, locations.Existing is not null, CommandConsole.Of(parse).Error, cancellationToken).ConfigureAwait(false);
            }

            return await ClusterCommands.WithClusterAsync(parse, config, async jobs =>
            {
                var submitted = await jobs.SubmitAsync(spec, parse.GetValue(jobId)).ConfigureAwait(false);
                var asJson = parse.GetValue(json);
                if (!parse.GetValue(wait))
                {
                    if (asJson)
                    {
                        await JobStatusJson.WriteAsync(CommandConsole.Of(parse).Out, submitted).ConfigureAwait(false);
                    }
                    else
                    {
                        await CommandConsole.Of(parse).Out.WriteLineAsync(submitted.JobId).ConfigureAwait(false);
                    }
                    return 0;
                }
                if (!asJson)
                {
                    await CommandConsole.Of(parse).Out.WriteLineAsync(submitted.JobId).ConfigureAwait(false);
                }
                return await ClusterCommands.WatchAsync(jobs, submitted.JobId, asJson, CommandConsole.Of(parse), cancellationToken).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }
}
