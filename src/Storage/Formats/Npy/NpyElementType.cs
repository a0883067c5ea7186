namespace Mae.Cluster.Storage.Formats;

/// <summary>Element types the .npy writer supports, both little-endian.</summary>
public enum NpyElementType
{
    /// <summary>IEEE float32, numpy descr '&lt;f4'.</summary>
    Fp32,

    /// <summary>IEEE float16, numpy descr '&lt;f2' (rounded to nearest even from float32, as numpy's astype).</summary>
    Fp16,
}
