
namespace Mae.Cluster.Cli.Tests.Infrastructure;

/// <summary>Input folders of real photos (tests/data/photos) for jobs, and the keys a job over them must write.</summary>
internal static class TestInputs
{
    private static string[] Photos => Directory.GetFiles(TestPhotos.Directory)
        .Where(p => p.EndsWith(".jpg", StringComparison.Ordinal) || p.EndsWith(".png", StringComparison.Ordinal))
        .Order(StringComparer.Ordinal).ToArray();

    /// <summary>
    /// Every photo, <paramref name="copies"/> times (copy c of "x.jpg" is "c/x.jpg", key "c/x"), loose in a new
    /// folder; returns the folder and every key in order.
    /// </summary>
    public static (string Folder, string[] Keys) WriteLoose(TempDirectory temp, int copies = 1)
    {
        var folder = temp.Combine($"input-{Guid.NewGuid():N}");
        var keys = new List<string>();
        for (var c = 0; c < copies; c++)
        {
            var sub = copies == 1 ? folder : Path.Combine(folder, c.ToString("D3", System.Globalization.CultureInfo.InvariantCulture));
            Directory.CreateDirectory(sub);
            foreach (var photo in Photos)
            {
                File.Copy(photo, Path.Combine(sub, Path.GetFileName(photo)));
                var name = Path.GetFileNameWithoutExtension(photo);
                keys.Add(copies == 1 ? name : $"{Path.GetFileName(sub)}/{name}");
            }
        }
        return (folder, keys.Order(StringComparer.Ordinal).ToArray());
    }
}
