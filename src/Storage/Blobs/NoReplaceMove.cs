using System.Runtime.InteropServices;

namespace Mae.Cluster.Storage.Blobs;

/// <summary>
/// Gives a finished file its final name only if no file has that name, atomically, so of several writers racing to
/// create one name exactly one wins. <see cref="File.Move(string, string, bool)"/> without overwrite does not do
/// this on Unix: .NET checks for the name, then calls rename(), which replaces a file created in between. A hard link
/// does (link() fails with EEXIST when the name exists); the temporary name is then deleted by the caller.
/// </summary>
internal static partial class NoReplaceMove
{
    private const int AlreadyExists = 17; // EEXIST on Linux and macOS

    /// <summary>True when <paramref name="destination"/> now names <paramref name="source"/>'s file; false when it already existed.</summary>
    /// <exception cref="IOException">Neither: on a file system without hard links, the move it falls back to failed for another reason.</exception>
    public static bool TryMove(string source, string destination)
    {
        if (OperatingSystem.IsWindows())
        {
            // MoveFileEx without MOVEFILE_REPLACE_EXISTING fails, atomically, when the name exists.
            return MoveUnlessExists(source, destination);
        }
        if (Link(source, destination) == 0)
        {
            return true;
        }
        var error = Marshal.GetLastPInvokeError();
        if (error == AlreadyExists)
        {
            return false;
        }
        // A file system without hard links (some network and FUSE mounts): the non-atomic move is all there is.
        return MoveUnlessExists(source, destination);
    }

    private static bool MoveUnlessExists(string source, string destination)
    {
        try
        {
            File.Move(source, destination, overwrite: false);
            return true;
        }
        catch (IOException) when (File.Exists(destination))
        {
            return false;
        }
    }

    [LibraryImport("libc", EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Link(string existingPath, string newPath);
}
