using Mae.Cluster.Inference.Checkpoints;
using Mae.Cluster.Inference.Imaging;

namespace Mae.Cluster.Inference.Engine;

/// <summary>
/// Reused input and output tensors for one batch. Decoded images are packed densely: failed images take no row.
/// </summary>
internal sealed class BatchBuffers
{
    public BatchBuffers(MaeConfig config, int capacity, int kept, bool keepTokens)
    {
        Capacity = capacity;
        Kept = kept;
        ImageFloats = config.NumChannels * config.ImageSize * config.ImageSize;
        Pixels = new float[capacity * ImageFloats];
        IdsKeep = new long[capacity * kept];
        IdsRestore = new long[capacity * config.NumPatches];
        Mask = new float[capacity * config.NumPatches];
        Cls = new float[capacity * config.HiddenSize];
        Mean = new float[capacity * config.HiddenSize];
        Loss = new float[capacity];
        TokenFloats = (config.NumPatches + 1) * config.HiddenSize;
        Tokens = keepTokens ? new float[capacity * TokenFloats] : null;
        Results = new ImageResult?[capacity];
        Sizes = new ImageDimensions[capacity];
        Rows = new int[capacity];
    }

    public int Capacity { get; }
    public int Kept { get; }
    public int ImageFloats { get; }
    public float[] Pixels { get; }
    public long[] IdsKeep { get; }
    public long[] IdsRestore { get; }
    public float[] Mask { get; }
    public float[] Cls { get; }
    public float[] Mean { get; }
    public float[] Loss { get; }

    /// <summary>Final hidden states, (1 + patches)·hidden per row; null when the engine does not keep them.</summary>
    public float[]? Tokens { get; }
    public int TokenFloats { get; }

    /// <summary>Per input slot: a failure result, or null when the image decoded.</summary>
    public ImageResult?[] Results { get; }
    public ImageDimensions[] Sizes { get; }

    /// <summary>Per input slot: its row in the dense tensors (−1 when it failed).</summary>
    public int[] Rows { get; }

    /// <summary>Images in this batch (slots), and how many of them decoded (rows).</summary>
    public int Count { get; set; }
    public int RowCount { get; set; }
}
