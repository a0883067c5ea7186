using System.Globalization;
using Mae.Cluster.Inference.Checkpoints;

namespace Mae.Cluster.Inference.Onnx;

/// <summary>
/// Built graphs keyed by checkpoint hash, graph kind, precision and builder version, so a checkpoint is
/// converted once per machine. A graph appears by directory rename: a reader never sees a half-written one.
/// </summary>
public sealed class GraphCache(string directory)
{
    public const string ModelFileName = "model.onnx";

    public string Directory { get; } = directory;

    public string GetOrBuild(MaeCheckpoint checkpoint, MaeGraphKind kind, Precision precision)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var name = string.Create(CultureInfo.InvariantCulture,
            $"{checkpoint.Hash[..Math.Min(16, checkpoint.Hash.Length)]}-{kind}-{precision}-v{MaeGraphBuilder.GraphVersion}").ToLowerInvariant();
        var final = Path.Combine(Directory, name);
        var model = Path.Combine(final, ModelFileName);
        if (File.Exists(model))
        {
            return model;
        }

        System.IO.Directory.CreateDirectory(Directory);
        var staging = Path.Combine(Directory, $".{name}.{Guid.NewGuid():N}.tmp");
        System.IO.Directory.CreateDirectory(staging);
        try
        {
            MaeGraphBuilder.Build(checkpoint, kind, precision, Path.Combine(staging, ModelFileName));
            System.IO.Directory.Move(staging, final);
        }
        catch (IOException) when (File.Exists(model))
        {
            // Another process built the same graph first; theirs is identical.
        }
        finally
        {
            if (System.IO.Directory.Exists(staging))
            {
                System.IO.Directory.Delete(staging, recursive: true);
            }
        }
        return model;
    }
}
