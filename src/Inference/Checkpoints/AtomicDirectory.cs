namespace Mae.Cluster.Inference.Checkpoints;

/// <summary>
/// Publishes a directory all at once: its files are written into a hidden temporary sibling that is then
/// renamed into place, so a concurrent reader sees the old directory, no directory, or the whole new one.
/// </summary>
internal static class AtomicDirectory
{
    /// <summary>
    /// Fills a fresh temporary sibling of <paramref name="directory"/> with <paramref name="fill"/>, then moves it
    /// into place. When <paramref name="directory"/> already holds exactly the same files, it is left untouched.
    /// </summary>
    public static void Publish(string directory, Action<string> fill)
    {
        var target = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
        var parent = Path.GetDirectoryName(target)
            ?? throw new ArgumentException($"'{directory}' has no parent directory to write beside.", nameof(directory));
        var name = Path.GetFileName(target);
        System.IO.Directory.CreateDirectory(parent);

        var staging = Path.Combine(parent, $".{name}.writing-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(staging);
        try
        {
            fill(staging);
            MoveIntoPlace(staging, target, parent, name);
        }
        finally
        {
            if (System.IO.Directory.Exists(staging))
            {
                System.IO.Directory.Delete(staging, recursive: true);
            }
        }
    }

    private static void MoveIntoPlace(string staging, string target, string parent, string name)
    {
        if (!System.IO.Directory.Exists(target))
        {
            try
            {
                System.IO.Directory.Move(staging, target);
                return;
            }
            catch (IOException) when (System.IO.Directory.Exists(target))
            {
                // Another writer published first; fall through and compare with what it wrote.
            }
        }

        if (SameFiles(staging, target))
        {
            return;
        }

        // Two renames leave a moment with no directory at all, but never a half-written one.
        var retired = Path.Combine(parent, $".{name}.replaced-{Guid.NewGuid():N}");
        System.IO.Directory.Move(target, retired);
        System.IO.Directory.Move(staging, target);
        System.IO.Directory.Delete(retired, recursive: true);
    }

    private static bool SameFiles(string left, string right)
    {
        var leftFiles = System.IO.Directory.GetFiles(left).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        var rightFiles = System.IO.Directory.GetFiles(right).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        if (!leftFiles.SequenceEqual(rightFiles, StringComparer.Ordinal)
            || System.IO.Directory.GetDirectories(left).Length != 0
            || System.IO.Directory.GetDirectories(right).Length != 0)
        {
            return false;
        }

        return leftFiles.All(file => SameBytes(Path.Combine(left, file!), Path.Combine(right, file!)));
    }

    private static bool SameBytes(string leftPath, string rightPath)
    {
        using var left = new FileStream(leftPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        using var right = new FileStream(rightPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        if (left.Length != right.Length)
        {
            return false;
        }

        var leftBuffer = new byte[1 << 16];
        var rightBuffer = new byte[1 << 16];
        int read;
        while ((read = left.ReadAtLeast(leftBuffer, leftBuffer.Length, throwOnEndOfStream: false)) > 0)
        {
            right.ReadExactly(rightBuffer, 0, read);
            if (!leftBuffer.AsSpan(0, read).SequenceEqual(rightBuffer.AsSpan(0, read)))
            {
                return false;
            }
        }

        return true;
    }
}
