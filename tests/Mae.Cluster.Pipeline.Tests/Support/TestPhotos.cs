namespace Mae.Cluster.Pipeline.Tests.Support;

/// <summary>The real photos of tests/data/photos (licences in SOURCES.md there), copied next to the test assembly.</summary>
internal static class TestPhotos
{
    /// <summary>Small JPEGs and PNGs of several sizes and colour types, so a shard decodes quickly but not trivially.</summary>
    public static IReadOnlyList<string> Names { get; } =
    [
        "mate-aqua.jpg", "camera.png", "mate-storm.jpg", "ukui-the-mouse.jpg", "coins.png", "mate-garden.jpg",
        "ukui-rhythm.jpg", "mate-twowings.jpg", "ukui-firstgeneration.jpg", "mate-freshflower.jpg", "mate-ladybird.jpg",
        "mate-yellowflower.jpg", "ukui-2004default.jpg", "rocket.jpg", "ukui-string.jpg", "mate-blinds.jpg",
    ];

    public static string Folder => Path.Combine(AppContext.BaseDirectory, "data", "photos");

    public static byte[] Bytes(string name) => File.ReadAllBytes(Path.Combine(Folder, name));

    /// <summary>The <paramref name="index"/>-th photo of <see cref="Names"/> (wrapping around).</summary>
    public static byte[] Bytes(int index) => Bytes(NameOf(index));

    public static string NameOf(int index) => Names[index % Names.Count];

    public static string ExtensionOf(int index) => Path.GetExtension(NameOf(index));
}
