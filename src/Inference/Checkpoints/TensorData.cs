namespace Mae.Cluster.Inference.Checkpoints;

/// <summary>One checkpoint tensor, widened to fp32 whatever its stored dtype.</summary>
public sealed record TensorData(string Name, IReadOnlyList<int> Shape, float[] Values)
{
    public long ElementCount => Values.LongLength;
}
