using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;

namespace Mae.Cluster.Storage.Blobs;

/// <summary>
/// An <see cref="IObjectStore"/> over a local folder. Writes go to a temporary file in the destination's
/// folder, are flushed to disk, then renamed over the destination, so readers see the old or the new file
/// whole. Every path is checked to stay inside the root (names may come from hostile tar files).
/// </summary>
internal sealed class LocalObjectStore : IObjectStore
{
    // Temporary and probe files start with this and are never listed.
    internal const string TemporaryPrefix = ".mae-tmp-";

    private static readonly StringComparison PathComparison =
        OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    private static readonly EnumerationOptions ListOptions = new()
    {
        RecurseSubdirectories = false,
        // Hidden (dot) files are objects like any other.
        AttributesToSkip = 0,
        IgnoreInaccessible = false,
        ReturnSpecialDirectories = false,
    };

    private readonly ILogger _logger;
    private readonly string _root;
    private readonly string _rootWithSeparator;

    public LocalObjectStore(StorageLocation location, ILogger logger)
    {
        Location = location;
        _logger = logger;
        _root = location.LocalPath!;
        _rootWithSeparator = Path.EndsInDirectorySeparator(_root) ? _root : _root + Path.DirectorySeparatorChar;
    }

    public StorageLocation Location { get; }

    public async IAsyncEnumerable<StoredObject> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ObjectPath.ValidatePrefix(prefix, Location);
        if (!Directory.Exists(_root))
        {
            throw new StorageObjectNotFoundException($"Could not list {_root}: the folder does not exist.", _root);
        }

        // Walk only the folder the prefix points into; the rest of the prefix filters names.
        var folderPart = prefix[..(prefix.LastIndexOf(ObjectPath.Separator) + 1)];
        var start = folderPart.Length == 0 ? _root : Resolve(folderPart.TrimEnd(ObjectPath.Separator));
        if (!Directory.Exists(start))
        {
            yield break;
        }

        // Directory enumeration is synchronous; do not run the first scan inline in the caller's MoveNextAsync.
        await Task.Yield();

        // Depth-first over entries sorted per folder, keeping the unvisited siblings of every ancestor on
        // the stack: full paths come out in ordinal order without holding the whole listing.
        var pending = new Stack<(FileSystemInfo Entry, string Path)>();
        PushSorted(pending, new DirectoryInfo(start), folderPart);
        while (pending.Count > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (entry, path) = pending.Pop();
            if (entry is DirectoryInfo folder)
            {
                // Symbolic links to folders are not followed: they could lead outside the root or loop.
                var isLink = (folder.Attributes & FileAttributes.ReparsePoint) != 0;
                var folderPath = path + ObjectPath.Separator;
                if (!isLink && PrefixMayMatch(folderPath, prefix))
                {
                    PushSorted(pending, folder, folderPath);
                }
            }
            else if (entry is FileInfo file && path.StartsWith(prefix, StringComparison.Ordinal))
            {
                yield return ToStoredObject(path, file);
            }
        }
    }

    public Task<Stream> OpenReadAsync(string path, CancellationToken cancellationToken)
    {
        var fullPath = Resolve(path);
        try
        {
            Stream stream = new FileStream(fullPath, new FileStreamOptions
            {
                Mode = FileMode.Open,
                Access = FileAccess.Read,
                // Delete sharing lets a writer rename a new version over a file that is being read.
                Share = FileShare.ReadWrite | FileShare.Delete,
                Options = FileOptions.Asynchronous | FileOptions.SequentialScan,
            });
            return Task.FromResult(stream);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new StorageObjectNotFoundException($"Could not read {fullPath}: the object does not exist.", fullPath, e);
        }
        catch (UnauthorizedAccessException e) when (Directory.Exists(fullPath))
        {
            throw new StorageObjectNotFoundException($"Could not read {fullPath}: it is a folder, not an object.", fullPath, e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new StorageAccessDeniedException($"Could not read {fullPath}: access denied.", fullPath, e);
        }
        catch (IOException e)
        {
            throw new StorageException($"Could not read {fullPath}: {e.Message}", fullPath, e);
        }
    }

    public async Task<byte[]?> TryReadAsync(string path, CancellationToken cancellationToken)
    {
        var fullPath = Resolve(path);
        try
        {
            return await File.ReadAllBytesAsync(fullPath, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (UnauthorizedAccessException) when (Directory.Exists(fullPath))
        {
            return null; // a folder is not an object, as GetPropertiesAsync says too
        }
        catch (UnauthorizedAccessException e)
        {
            throw new StorageAccessDeniedException($"Could not read {fullPath}: access denied.", fullPath, e);
        }
        catch (IOException e)
        {
            throw new StorageException($"Could not read {fullPath}: {e.Message}", fullPath, e);
        }
    }

    public Task<StoredObject?> GetPropertiesAsync(string path, CancellationToken cancellationToken)
    {
        var file = new FileInfo(Resolve(path));
        return Task.FromResult(file.Exists ? ToStoredObject(path, file) : null);
    }

    public Task WriteAsync(string path, Stream content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        return WriteViaTemporaryFileAsync(path, (file, token) => content.CopyToAsync(file, token), overwrite: true, cancellationToken);
    }

    public Task WriteAsync(string path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) =>
        WriteViaTemporaryFileAsync(path, (file, token) => file.WriteAsync(content, token).AsTask(), overwrite: true, cancellationToken);

    public Task<bool> TryCreateAsync(string path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) =>
        WriteViaTemporaryFileAsync(path, (file, token) => file.WriteAsync(content, token).AsTask(), overwrite: false, cancellationToken);

    public Task DeleteAsync(string path, CancellationToken cancellationToken)
    {
        var fullPath = Resolve(path);
        try
        {
            File.Delete(fullPath);
        }
        catch (DirectoryNotFoundException)
        {
            // Absent is fine.
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StorageException($"Could not delete {fullPath}: {e.Message}", fullPath, e);
        }

        return Task.CompletedTask;
    }

    public async Task EnsureWritableAsync(CancellationToken cancellationToken)
    {
        var probe = TemporaryPrefix + "probe-" + Guid.NewGuid().ToString("N");
        try
        {
            Directory.CreateDirectory(_root);
            await WriteAsync(probe, "probe"u8.ToArray(), cancellationToken).ConfigureAwait(false);
            await DeleteAsync(probe, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or StorageException)
        {
            throw new StorageNotWritableException($"Storage location {_root} is not writable: {ExplainFailure(e)}", _root, e);
        }
    }

    // "Could not find a part of the path" is what the OS says when a parent is a file; name that file.
    private string ExplainFailure(Exception failure)
    {
        for (var path = _root; !string.IsNullOrEmpty(path); path = Path.GetDirectoryName(path))
        {
            if (File.Exists(path))
            {
                return $"{path} is a file, not a folder.";
            }

            if (Directory.Exists(path))
            {
                break;
            }
        }

        return failure.Message;
    }

    private async Task<bool> WriteViaTemporaryFileAsync(
        string path, Func<FileStream, CancellationToken, Task> write, bool overwrite, CancellationToken cancellationToken)
    {
        var fullPath = Resolve(path);
        var folder = Path.GetDirectoryName(fullPath)!;
        var temporary = Path.Join(folder, TemporaryPrefix + Guid.NewGuid().ToString("N"));
        try
        {
            Directory.CreateDirectory(folder);
            var file = new FileStream(temporary, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
                Options = FileOptions.Asynchronous,
            });
            await using (file.ConfigureAwait(false))
            {
                await write(file, cancellationToken).ConfigureAwait(false);
                // Durable before visible: after a crash the name holds the old or the complete new content.
                file.Flush(flushToDisk: true);
            }

            if (overwrite)
            {
                File.Move(temporary, fullPath, overwrite: true);
                return true;
            }

            // Two creators cannot both succeed; the temporary name is deleted below either way.
            return NoReplaceMove.TryMove(temporary, fullPath);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new StorageAccessDeniedException($"Could not write {fullPath}: access denied.", fullPath, e);
        }
        catch (IOException e)
        {
            throw new StorageException($"Could not write {fullPath}: {e.Message}", fullPath, e);
        }
        finally
        {
            DeleteTemporary(temporary);
        }
    }

    private void DeleteTemporary(string temporary)
    {
        try
        {
            File.Delete(temporary);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            StorageLog.TemporaryFileLeft(_logger, temporary, e.Message);
        }
    }

    /// <summary>The full path of <paramref name="path"/>, refused unless it stays below the root.</summary>
    private string Resolve(string path)
    {
        ObjectPath.Validate(path, Location);
        var fullPath = Path.GetFullPath(Path.Join(_root, path.Replace(ObjectPath.Separator, Path.DirectorySeparatorChar)));
        if (!fullPath.StartsWith(_rootWithSeparator, PathComparison))
        {
            throw new InvalidObjectPathException(
                $"Object path '{ObjectPath.Printable(path)}' is not allowed at {_root}: it resolves outside the folder.", _root);
        }

        return fullPath;
    }

    private static void PushSorted(Stack<(FileSystemInfo Entry, string Path)> pending, DirectoryInfo folder, string folderPath)
    {
        var entries = SortedEntries(folder);
        for (var i = entries.Count - 1; i >= 0; i--)
        {
            pending.Push((entries[i], folderPath + entries[i].Name));
        }
    }

    private static List<FileSystemInfo> SortedEntries(DirectoryInfo folder)
    {
        // A folder sorts as "name/" so that the walk yields full paths in ordinal order
        // ("a.txt" < "a/b" because '.' < '/').
        var entries = folder.EnumerateFileSystemInfos("*", ListOptions)
            .Where(e => !e.Name.StartsWith(TemporaryPrefix, StringComparison.Ordinal))
            .ToList();
        entries.Sort((x, y) => string.CompareOrdinal(SortKey(x), SortKey(y)));
        return entries;
    }

    private static string SortKey(FileSystemInfo entry) =>
        entry is DirectoryInfo ? entry.Name + ObjectPath.Separator : entry.Name;

    private static bool PrefixMayMatch(string folderPath, string prefix) =>
        folderPath.StartsWith(prefix, StringComparison.Ordinal) || prefix.StartsWith(folderPath, StringComparison.Ordinal);

    private static StoredObject ToStoredObject(string path, FileInfo file)
    {
        var modified = file.LastWriteTimeUtc;
        return new StoredObject(path, file.Length, new DateTimeOffset(modified, TimeSpan.Zero), $"{modified.Ticks:x}-{file.Length:x}");
    }
}
