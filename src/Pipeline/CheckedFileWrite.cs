using Mae.Cluster.Storage.Blobs;
using Microsoft.Extensions.Logging;

namespace Mae.Cluster.Pipeline;

/// <summary>
/// Writes a small result file into memory, reads it back, and uploads exactly the bytes that read back as written.
/// A file that does not is written again from the same rows (a fault in producing the bytes need not repeat); after
/// <see cref="Rewrites"/> rewrites the write fails, so its shard is never committed with it.
/// </summary>
internal static partial class CheckedFileWrite
{
    /// <summary>How often a file that did not read back is written again before giving up.</summary>
    public const int Rewrites = 2;

    /// <param name="check">Reads the file from its start; returns why it is wrong, or null.</param>
    /// <exception cref="ResultFileException">The file never read back as written; nothing was uploaded.</exception>
    public static async Task WriteAsync(IObjectStore output, string path, Func<Stream, Task> write, Func<Stream, string?> check, ILogger logger,
        CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            using var buffer = new MemoryStream();
            await write(buffer).ConfigureAwait(false);
            buffer.Position = 0;
            if (check(buffer) is not { } problem)
            {
                await output.WriteAsync(path, buffer.GetBuffer().AsMemory(0, (int)buffer.Length), cancellationToken).ConfigureAwait(false);
                return;
            }
            if (attempt == Rewrites)
            {
                throw new ResultFileException(path, problem);
            }
            LogRewrite(logger, path, problem);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Path} did not read back as written ({Problem}); writing it again")]
    private static partial void LogRewrite(ILogger logger, string path, string problem);
}
