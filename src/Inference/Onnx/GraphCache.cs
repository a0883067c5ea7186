using System.Globalization;
using Mae.Cluster.Inference.Checkpoints;

namespace Mae.Cluster.Inference.Onnx;

/// <summary>
/// Built graphs keyed by checkpoint hash, graph kind, precision, emission (and, for fused graphs, the execution
/// provider they are built for) and builder version, so a checkpoint is
/// converted once per machine. A graph appears by directory rename: a reader never sees a half-written one.
/// </summary>
public sealed class GraphCache(string directory)
{
    public const string ModelFileName = "model.onnx";

    public string Directory { get; } = directory;

    /// <summary>
    /// The graph's model file, built first if this cache lacks it: by default the fused emission for the CPU; pass the
    /// device the session will run on (<see cref="MaeGraphBuilder.Build(MaeCheckpoint, MaeGraphKind, Precision, GraphEmission, ExecutionDevice, string)"/>).
    /// </summary>
    public string GetOrBuild(MaeCheckpoint checkpoint, MaeGraphKind kind, Precision precision, GraphEmission emission = GraphEmission.Fused,
        ExecutionDevice? device = null)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        device ??= ExecutionDevice.Cpu;
        var name = string.Create(CultureInfo.InvariantCulture,
            $"{checkpoint.Hash[..Math.Min(16, checkpoint.Hash.Length)]}-{kind}-{precision}-{MaeGraphBuilder.EmissionKey(emission, device)}-v{MaeGraphBuilder.GraphVersion}").ToLowerInvariant();
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
            MaeGraphBuilder.Build(checkpoint, kind, precision, emission, device, Path.Combine(staging, ModelFileName));
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
