namespace Mae.Cluster.Inference.Hub;

/// <summary>
/// How far a checkpoint download has got, reported after every chunk written to disk. Byte counts include bytes
/// already on disk from an earlier, interrupted download; they only fall back when a server ignores a resume
/// request and the file starts over.
/// </summary>
/// <param name="RepoId">The model, <c>owner/name</c>.</param>
/// <param name="FileName">The file being downloaded.</param>
/// <param name="FileBytes">Bytes of <paramref name="FileName"/> on disk.</param>
/// <param name="FileTotalBytes">Size of <paramref name="FileName"/>, when the Hub announced it.</param>
/// <param name="BytesDone">Bytes on disk over all files of this download.</param>
/// <param name="TotalBytes">Size of all files together, when the Hub announced every size.</param>
public sealed record HubDownloadProgress(
    string RepoId,
    string FileName,
    long FileBytes,
    long? FileTotalBytes,
    long BytesDone,
    long? TotalBytes);
