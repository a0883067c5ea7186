using System.Buffers;
using System.CommandLine;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Mae.Cluster.Client;
using Mae.Cluster.Grains;
using Mae.Cluster.Inference.Engine;

namespace Mae.Cluster.Cli.Commands;

/// <summary><c>mae embed PATH...</c>: embeds image files on this machine, no cluster.</summary>
internal static class EmbedCommand
{
    public static Command Create()
    {
        var paths = new Argument<string[]>("paths") { Description = "Image files, or folders to search for images.", Arity = ArgumentArity.OneOrMore };
        var engineOptions = new EngineOptionSet(defaultBatchSize: 8);
        var json = new Option<bool>("--json")
        {
            Description = "One JSON object per image and line: key, embedding, mean_embedding, mae_loss, mask, width, height (or key and error); " +
                          "without the embeddings output the embeddings are left out, without the loss mae_loss is null and the mask left out.",
        };
        var outputs = CommonOptions.Outputs();

        var command = new Command("embed", "Embed image files on this machine and print CLS/mean embeddings, MAE loss and mask per image.")
        {
            paths, json, outputs.Option,
        };
        engineOptions.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var files = ImageFileSet.Expand(parse.GetValue(paths)!);
            if (files.Count == 0)
            {
                throw new RequestRefusedException("No image files found in the paths given.");
            }
            var options = await engineOptions.ToEngineOptionsAsync(parse, cancellationToken).ConfigureAwait(false);
            var computing = outputs.ValueOf(parse);
            options.ComputeEmbeddings = computing.HasFlag(JobOutputs.Embeddings);
            options.ComputeLoss = computing.HasFlag(JobOutputs.Loss);
            using var engine = MaeEngine.Create(options);
            var asJson = parse.GetValue(json);
            int succeeded = 0, failed = 0;
            var console = CommandConsole.Of(parse);
            var line = new ArrayBufferWriter<byte>();
            await using var writer = new Utf8JsonWriter(line);
            await foreach (var result in engine.EmbedAsync(ReadFilesAsync(files, cancellationToken), cancellationToken).ConfigureAwait(false))
            {
                if (result.Succeeded)
                {
                    succeeded++;
                }
                else
                {
                    failed++;
                }
                if (asJson)
                {
                    line.ResetWrittenCount();
                    writer.Reset(line);
                    WriteJson(writer, result, computing);
                    writer.Flush();
                    await console.Out.WriteLineAsync(Encoding.UTF8.GetString(line.WrittenSpan)).ConfigureAwait(false);
                }
                else
                {
                    console.Out.WriteLine(result.Succeeded ? TextLine(result, computing) : $"{result.Key}\terror: {result.Error}");
                }
            }
            await console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{succeeded} embedded, {failed} failed.")).ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private static async IAsyncEnumerable<ImageInput> ReadFilesAsync(IReadOnlyList<(string Key, string Path)> files,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var (key, path) in files)
        {
            yield return await EncodedImageFile.ReadAsync(key, path, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>key, then mae_loss and/or the embedding's width (what was computed), then the image's size.</summary>
    private static string TextLine(ImageResult result, JobOutputs computing)
    {
        var line = new StringBuilder(result.Key);
        if (computing.HasFlag(JobOutputs.Loss))
        {
            line.Append(CultureInfo.InvariantCulture, $"\tmae_loss={result.Loss:F6}");
        }
        line.Append(CultureInfo.InvariantCulture, $"\t{result.Width}x{result.Height}");
        if (computing.HasFlag(JobOutputs.Embeddings))
        {
            line.Append(CultureInfo.InvariantCulture, $"\tembedding[{result.ClsEmbedding.Length}]");
        }
        return line.ToString();
    }

    private static void WriteJson(Utf8JsonWriter writer, ImageResult result, JobOutputs computing)
    {
        writer.Reset();
        writer.WriteStartObject();
        writer.WriteString("key", result.Key);
        if (!result.Succeeded)
        {
            writer.WriteString("error", result.Error);
            writer.WriteEndObject();
            return;
        }
        if (computing.HasFlag(JobOutputs.Embeddings))
        {
            WriteArray(writer, "embedding", result.ClsEmbedding);
            WriteArray(writer, "mean_embedding", result.MeanEmbedding);
        }
        if (computing.HasFlag(JobOutputs.Loss))
        {
            writer.WriteNumber("mae_loss", result.Loss);
            writer.WriteStartArray("mask");
            foreach (var m in result.Mask)
            {
                writer.WriteNumberValue(m);
            }
            writer.WriteEndArray();
        }
        else
        {
            writer.WriteNull("mae_loss");
        }
        writer.WriteNumber("width", result.Width);
        writer.WriteNumber("height", result.Height);
        writer.WriteEndObject();
    }

    private static void WriteArray(Utf8JsonWriter writer, string name, float[] values)
    {
        writer.WriteStartArray(name);
        foreach (var v in values)
        {
            writer.WriteNumberValue(v);
        }
        writer.WriteEndArray();
    }
}
