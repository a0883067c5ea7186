using Mae.Cluster.Inference.Engine;
using Mae.Cluster.Storage.Blobs;
using Mae.Cluster.Storage.Formats;

namespace Mae.Cluster.Pipeline;

/// <summary>
/// One shard's file of one .npy folder, streamed to a local temporary file as results arrive (so memory does not grow
/// with the shard: patch tokens are ≈ 300 KB an image), then read back and uploaded whole. Deleted when disposed.
/// </summary>
internal sealed class StagedNpyFile : IAsyncDisposable
{
    private readonly FileStream _file;
    private readonly NpyWriter _writer;

    public StagedNpyFile(string path, ResultArray array)
    {
        Path = path;
        Array = array;
        _file = new FileStream(System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"mae-{Guid.NewGuid():N}.npy"),
            FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
        _writer = new NpyWriter(_file, array.ElementType, [.. array.RowShape]);
    }

    /// <summary>Where the file goes in the output.</summary>
    public string Path { get; }

    public ResultArray Array { get; }

    public ValueTask WriteAsync(ImageResult result, CancellationToken cancellationToken) =>
        _writer.WriteRowsAsync(Array.ValuesOf(result), cancellationToken);

    /// <summary>Completes the header, checks the file holds <paramref name="rows"/> rows as its header says, and uploads it.</summary>
    /// <exception cref="ResultFileException">The staged file does not read back as <paramref name="rows"/> rows of its shape.</exception>
    public async Task UploadAsync(IObjectStore output, long rows, CancellationToken cancellationToken)
    {
        await _writer.CompleteAsync(cancellationToken).ConfigureAwait(false);
        _file.Position = 0;
        if (ResultFileCheck.Array(_file, _file.Length, rows, Array.RowShape, Array.ElementType) is { } problem)
        {
            throw new ResultFileException(Path, problem);
        }
        _file.Position = 0;
        await output.WriteAsync(Path, _file, cancellationToken).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync() => _file.DisposeAsync();
}
