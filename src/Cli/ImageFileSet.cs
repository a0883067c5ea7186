using Mae.Cluster.Storage.Formats;

namespace Mae.Cluster.Cli;

/// <summary>
/// The image files named on a command line: files as given, folders walked recursively, in a stable order.
/// An image's key follows the rule of loose images in a job (<see cref="LooseImageSharding.KeyOf"/>): its path
/// relative to the folder given, or its file name when given directly, without the last extension — so
/// <c>mae embed</c>, <c>mae run</c> and a cluster job give one file the same key, hence the same mask and loss.
/// </summary>
public static class ImageFileSet
{
    public static readonly IReadOnlySet<string> ImageExtensions = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        ".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".webp", ".gif", ".bmp", ".tif", ".tiff",
    };

    public static IReadOnlyList<(string Key, string Path)> Expand(IEnumerable<string> paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var found = new List<(string, string)>();
        foreach (var path in paths)
        {
            if (File.Exists(path))
            {
                found.Add((LooseImageSharding.KeyOf(System.IO.Path.GetFileName(path)), path));
            }
            else if (Directory.Exists(path))
            {
                var files = Directory.EnumerateFiles(path, "*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true })
                    .Where(f => ImageExtensions.Contains(System.IO.Path.GetExtension(f)))
                    .Select(f => (Key: LooseImageSharding.KeyOf(System.IO.Path.GetRelativePath(path, f).Replace('\\', '/')), Path: f))
                    .OrderBy(f => f.Key, StringComparer.Ordinal);
                found.AddRange(files);
            }
            else
            {
                throw new FileNotFoundException($"No such file or folder: {path}", path);
            }
        }
        return found;
    }
}
