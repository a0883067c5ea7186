namespace Mae.Cluster.Inference.Checkpoints;

/// <summary>The floating-point element types <see cref="SafetensorsReader"/> converts to fp32.</summary>
public enum SafetensorsDtype
{
    F32,
    F16,
    BF16,
    F64,
}

/// <summary>Element sizes of the dtypes the safetensors format names.</summary>
internal static class SafetensorsDtypes
{
    /// <summary>Bytes per element of a safetensors dtype name, or null when the name is not one.</summary>
    public static int? ElementSize(string dtype) => dtype switch
    {
        "BOOL" or "U8" or "I8" or "F8_E4M3" or "F8_E5M2" => 1,
        "I16" or "U16" or "F16" or "BF16" => 2,
        "I32" or "U32" or "F32" => 4,
        "I64" or "U64" or "F64" => 8,
        _ => null,
    };

    public static int ElementSize(SafetensorsDtype dtype) => dtype switch
    {
        SafetensorsDtype.F32 => 4,
        SafetensorsDtype.F16 or SafetensorsDtype.BF16 => 2,
        SafetensorsDtype.F64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, null),
    };

    public static string Name(SafetensorsDtype dtype) => dtype switch
    {
        SafetensorsDtype.F32 => "F32",
        SafetensorsDtype.F16 => "F16",
        SafetensorsDtype.BF16 => "BF16",
        SafetensorsDtype.F64 => "F64",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, null),
    };

    public static SafetensorsDtype? FloatType(string dtype) => dtype switch
    {
        "F32" => SafetensorsDtype.F32,
        "F16" => SafetensorsDtype.F16,
        "BF16" => SafetensorsDtype.BF16,
        "F64" => SafetensorsDtype.F64,
        _ => null,
    };
}
