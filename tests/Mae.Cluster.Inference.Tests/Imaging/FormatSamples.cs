namespace Mae.Cluster.Inference.Tests.Imaging;

/// <summary>
/// One small file per format and variant, written by Pillow from a real photo, plus Pillow's own
/// <c>convert("RGB")</c> decode of each (see pil_reference.py <c>samples</c>).
/// </summary>
public sealed class FormatSamples : IDisposable
{
    private readonly TempDirectory _directory = new();

    public FormatSamples()
    {
        PillowReference.Run("samples", TestPhotos.PathOf("mate-aqua.jpg"), _directory.Path);
        string[] files = Directory.GetFiles(_directory.Path);
        PillowReference.Run(["decode", _directory.Path, .. files]);
    }

    public string PathOf(string name) => _directory.Combine(name);

    public byte[] Bytes(string name) => File.ReadAllBytes(PathOf(name));

    /// <summary>Pillow's <c>Image.open(name).convert("RGB")</c>.</summary>
    public (int Width, int Height, byte[] Pixels) PillowDecode(string name) => PillowReference.ReadRgb(PathOf(name + ".rgb"));

    public void Dispose() => _directory.Dispose();
}
