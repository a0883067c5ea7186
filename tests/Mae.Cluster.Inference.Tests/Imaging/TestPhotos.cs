namespace Mae.Cluster.Inference.Tests.Imaging;

/// <summary>The real photos in tests/data/photos (see SOURCES.md there), copied next to the test assembly.</summary>
internal static class TestPhotos
{
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "data", "photos");

    public static string[] Png => Find("*.png");

    public static string[] Jpeg => Find("*.jpg");

    public static string PathOf(string name) => Path.Combine(Directory, name);

    private static string[] Find(string pattern)
    {
        string[] files = System.IO.Directory.GetFiles(Directory, pattern);
        Array.Sort(files, StringComparer.Ordinal);
        Assert.NotEmpty(files);
        return files;
    }
}
