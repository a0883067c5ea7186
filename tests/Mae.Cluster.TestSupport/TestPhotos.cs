namespace Mae.Cluster.TestSupport;

/// <summary>
/// The real photos of tests/data/photos (licences in SOURCES.md there), copied next to the test assembly under
/// data/photos by the test project (<c>&lt;None Include="../data/photos/**" LinkBase="data/photos" …&gt;</c>).
/// </summary>
public static class TestPhotos
{
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "data", "photos");

    /// <summary>Every PNG, in ordinal order of the path.</summary>
    public static string[] Png => Find("*.png");

    /// <summary>Every JPEG, in ordinal order of the path.</summary>
    public static string[] Jpeg => Find("*.jpg");

    /// <summary>Small JPEGs and PNGs of several sizes and colour types, so a shard decodes quickly but not trivially.</summary>
    public static IReadOnlyList<string> Names { get; } =
    [
        "mate-aqua.jpg", "camera.png", "mate-storm.jpg", "ukui-the-mouse.jpg", "coins.png", "mate-garden.jpg",
        "ukui-rhythm.jpg", "mate-twowings.jpg", "ukui-firstgeneration.jpg", "mate-freshflower.jpg", "mate-ladybird.jpg",
        "mate-yellowflower.jpg", "ukui-2004default.jpg", "rocket.jpg", "ukui-string.jpg", "mate-blinds.jpg",
    ];

    public static string PathOf(string name) => Path.Combine(Directory, name);

    public static byte[] Bytes(string name) => File.ReadAllBytes(PathOf(name));

    /// <summary>The <paramref name="index"/>-th photo of <see cref="Names"/> (wrapping around).</summary>
    public static byte[] Bytes(int index) => Bytes(NameOf(index));

    public static string NameOf(int index) => Names[index % Names.Count];

    public static string ExtensionOf(int index) => Path.GetExtension(NameOf(index));

    private static string[] Find(string pattern)
    {
        string[] files = System.IO.Directory.GetFiles(Directory, pattern);
        Array.Sort(files, StringComparer.Ordinal);
        Assert.NotEmpty(files);
        return files;
    }
}
