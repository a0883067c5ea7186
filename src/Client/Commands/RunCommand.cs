using System.CommandLine;
using System.Globalization;
using Mae.Cluster.Inference.Engine;
using Mae.Cluster.Pipeline;
using Mae.Cluster.Storage.Formats;

namespace Mae.Cluster.Client.Commands;

/// <summary>
/// <c>mae run INPUT --output OUT</c>: a whole job on this machine — shards from a local folder or blob prefix,
/// clip-retrieval-compatible results back, resumable (a rerun skips committed shards).
/// </summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var inputArgument = new Argument<string>("input") { Description = "Folder or blob URI (https://…, az://container/prefix) with *.tar shards or loose images." };
        var output = new Option<string>("--output", "-o") { Description = "Folder or blob URI for img_emb/, metadata/, failures/, job.json and _SUCCESS.", Required = true };
        var engineOptions = new EngineOptionSet(defaultBatchSize: 32);
        var shardSize = new Option<int>("--shard-size") { Description = "Loose images per shard.", DefaultValueFactory = _ => 1000 };
        shardSize.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > 1_000_000)
            {
                r.AddError("--shard-size must be between 1 and 1,000,000.");
            }
        });
        var pool = new Option<EmbeddingPool>("--pool") { Description = "Embedding written to img_emb: cls (default) or mean of the patch tokens.", DefaultValueFactory = _ => EmbeddingPool.Cls };
        var saveMask = new Option<bool>("--save-mask") { Description = "Also write each image's mask (one 0/1 per patch) into the metadata." };
        var embeddingType = new Option<string>("--emb-dtype") { Description = "float32 (default) or float16 embeddings in img_emb.", DefaultValueFactory = _ => "float32" };
        embeddingType.AcceptOnlyFromAmong("float32", "float16");

        var command = new Command("run", "Run a whole job on this machine: embed every image of INPUT into OUTPUT (resumable).")
        {
            inputArgument, output, shardSize, pool, saveMask, embeddingType,
        };
        engineOptions.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var jobOptions = new ShardJobOptions
            {
                Input = parse.GetValue(inputArgument)!,
                Output = parse.GetValue(output)!,
                ShardSize = parse.GetValue(shardSize),
                Pool = parse.GetValue(pool),
                SaveMask = parse.GetValue(saveMask),
                EmbeddingType = parse.GetValue(embeddingType) == "float16" ? NpyElementType.Fp16 : NpyElementType.Fp32,
            };
            using var engine = MaeEngine.Create(await engineOptions.ToEngineOptionsAsync(parse, cancellationToken).ConfigureAwait(false));
            var runner = new ShardJobRunner(engine, jobOptions, parse.GetValue(engineOptions.Model)!);
            var manifest = await JobProgressDisplay.RunAsync(progress => runner.RunAsync(progress, cancellationToken)).ConfigureAwait(false);
            await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"Completed: {manifest.Shards} shards, {manifest.Images} images embedded, {manifest.Failures} failed, {manifest.ImagesPerSecond} images/s → {manifest.Output}")).ConfigureAwait(false);
            return 0;
        });
        return command;
    }
}
