namespace Mae.Cluster.Inference.Checkpoints;

/// <summary>One entry of a safetensors header: where a tensor's bytes lie in the data buffer.</summary>
/// <param name="Name">The tensor's name.</param>
/// <param name="Dtype">The stored dtype as the header spells it (F32, F16, BF16, I64, ...).</param>
/// <param name="Shape">The tensor's dimensions; empty for a scalar.</param>
/// <param name="DataBegin">First byte, relative to the start of the data buffer.</param>
/// <param name="DataEnd">One past the last byte, relative to the start of the data buffer.</param>
public sealed record SafetensorsTensorInfo(string Name, string Dtype, IReadOnlyList<int> Shape, long DataBegin, long DataEnd)
{
    public long ElementCount => Shape.Aggregate(1L, (product, dim) => product * dim);

    public long ByteLength => DataEnd - DataBegin;
}
