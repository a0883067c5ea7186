using Mae.Cluster.Inference.Checkpoints;
using Mae.Cluster.Inference.Onnx;
using Mae.Cluster.Pipeline;
using Mae.Cluster.Storage.Blobs;
using Mae.Cluster.Storage.Formats;

namespace Mae.Cluster.Grains;

/// <summary>
/// The one mapping from a <see cref="JobSpec"/>'s contract types to the pipeline's options, used by the silos that
/// compute a job and by the client that checks it beforehand, so both derive the same job fingerprint.
/// </summary>
public static class JobSpecMapping
{
    /// <summary>What a shard job reads, writes and keeps for <paramref name="spec"/>; the pipeline's defaults for the rest.</summary>
    public static ShardJobOptions ToShardJobOptions(this JobSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return new ShardJobOptions
        {
            Input = spec.Input,
            Output = spec.Output,
            ShardSize = spec.ShardSize,
            Outputs = spec.OutputsToPipeline(),
            Pool = spec.PoolToPipeline(),
            SaveMask = spec.SaveMask,
            SavePatchTokens = spec.SavePatchTokens,
            EmbeddingType = spec.EmbeddingDType.ToStorage(),
        };
    }

    /// <summary>
    /// What the job computes with <paramref name="checkpoint"/> at <paramref name="precision"/> between these stores:
    /// the identity job.json's fingerprint is taken from, the same for the silo that claims the output and the client
    /// that checks it first.
    /// </summary>
    public static JobIdentity ToJobIdentity(this JobSpec spec, IObjectStore input, IObjectStore output, MaeCheckpoint checkpoint, Precision precision)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(checkpoint);
        return new JobIdentity(input.Location.ToString(), output.Location.ToString(), spec.Model, checkpoint.Hash, spec.Seed,
            spec.MaskRatio ?? checkpoint.Config.MaskRatio, checkpoint.Config.HiddenSize, checkpoint.Config.NumPatches, spec.ToShardJobOptions(), precision);
    }

    /// <summary>The precision a job runs at: its own, else <paramref name="siloDefault"/> (the enumerating silo's).</summary>
    public static Precision PrecisionOr(this JobSpec spec, Precision siloDefault)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.Precision is { } precision ? precision.ToInference() : siloDefault;
    }

    /// <summary>The engine's precision for a contract precision.</summary>
    public static Precision ToInference(this ModelPrecision precision) => precision switch
    {
        ModelPrecision.Fp32 => Precision.Fp32,
        ModelPrecision.Fp16 => Precision.Fp16,
        _ => throw new ArgumentOutOfRangeException(nameof(precision), precision, "unknown precision"),
    };

    /// <summary>The contract precision for an engine precision.</summary>
    public static ModelPrecision ToContract(this Precision precision) => precision switch
    {
        Precision.Fp32 => ModelPrecision.Fp32,
        Precision.Fp16 => ModelPrecision.Fp16,
        _ => throw new ArgumentOutOfRangeException(nameof(precision), precision, "unknown precision"),
    };

    /// <summary>The pipeline's pooling for the spec's.</summary>
    internal static EmbeddingPool PoolToPipeline(this JobSpec spec) => spec.Pool switch
    {
        EmbeddingPooling.Cls => EmbeddingPool.Cls,
        EmbeddingPooling.Mean => EmbeddingPool.Mean,
        EmbeddingPooling.Both => EmbeddingPool.Both,
        var pool => throw new ArgumentOutOfRangeException(nameof(spec), pool, "unknown pooling"),
    };

    /// <summary>The pipeline's outputs for the spec's: the same bits by design (a test holds them together), unknown ones included for <see cref="ShardJobOptions.OutputProblems"/> to name.</summary>
    internal static ResultOutputs OutputsToPipeline(this JobSpec spec) => (ResultOutputs)(int)spec.Outputs;

    private static NpyElementType ToStorage(this EmbeddingDType dtype) => dtype switch
    {
        EmbeddingDType.Float32 => NpyElementType.Fp32,
        EmbeddingDType.Float16 => NpyElementType.Fp16,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown embedding dtype"),
    };
}
