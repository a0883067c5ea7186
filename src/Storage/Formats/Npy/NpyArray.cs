namespace Mae.Cluster.Storage.Formats;

/// <summary>A .npy array read back as float32 values (float16 files are widened), in the file's element order.</summary>
public sealed record NpyArray(string Descr, bool FortranOrder, IReadOnlyList<long> Shape, float[] Values);
