using Mae.Cluster.Inference.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Mae.Cluster.Inference.Tests.Imaging;

/// <summary>
/// PilResize against real Pillow on the same pixels. PNG inputs decode losslessly, so both sides start from
/// identical bytes and the results must be identical too.
/// </summary>
public sealed class PilResizeTests
{
    private readonly ImageDecoder _decoder = new();

    [Fact]
    public void PngPhotosDownscaledTo224MatchPillowExactly() =>
        AssertPhotosMatchPillow(TestPhotos.Png, (224, 224));

    [Fact]
    public void NonSquareAndMixedTargetsMatchPillowExactly() =>
        // 300×180 and 97×513 change the aspect ratio; 1000×37 upscales one axis while downscaling the other;
        // 1×1 averages everything through the widest kernel.
        AssertPhotosMatchPillow(TestPhotos.Png, (300, 180), (97, 513), (1000, 37), (1, 1));

    [Fact]
    public void UpscaledSmallImageMatchesPillowExactly()
    {
        using var temp = new TempDirectory();
        byte[] pixels = RandomPixels(13, 7, seed: 1);
        string path = SavePng(temp, "small.png", 13, 7, pixels);
        (int, int)[] targets = [(224, 224), (50, 31), (13, 300)];
        PillowReference.Run("resize", SizeList(targets), temp.Path, path);

        foreach ((int width, int height) in targets)
        {
            AssertMatchesPillowFile(temp, "small.png", pixels, 13, 7, width, height);
        }
    }

    [Fact]
    public void NoiseAtOddRatiosMatchesPillowExactly()
    {
        // Noise has no smooth areas that hide a wrong weight, and odd sizes exercise the rounding of kernel bounds.
        using var temp = new TempDirectory();
        byte[] pixels = RandomPixels(257, 263, seed: 2);
        string path = SavePng(temp, "noise.png", 257, 263, pixels);
        (int, int)[] targets = [(224, 224), (255, 262), (3, 500), (129, 1)];
        PillowReference.Run("resize", SizeList(targets), temp.Path, path);

        foreach ((int width, int height) in targets)
        {
            AssertMatchesPillowFile(temp, "noise.png", pixels, 257, 263, width, height);
        }
    }

    [Fact]
    public void SameSizeReturnsTheSourcePixels()
    {
        byte[] pixels = RandomPixels(31, 17, seed: 3);
        var resized = new byte[pixels.Length];
        PilResize.Resize(pixels, 31, 17, resized, 31, 17);
        Assert.Equal(pixels, resized);
    }

    [Fact]
    public void BufferOfWrongLengthIsRejected()
    {
        byte[] pixels = RandomPixels(10, 10, seed: 4);
        var exception = Assert.Throws<ArgumentException>(() => PilResize.Resize(pixels, 10, 10, new byte[5 * 5 * 3 - 1], 5, 5));
        Assert.Contains("5×5 RGB needs 75 bytes, got 74", exception.Message, StringComparison.Ordinal);
    }

    private void AssertPhotosMatchPillow(string[] photos, params (int Width, int Height)[] targets)
    {
        using var temp = new TempDirectory();
        PillowReference.Run(["resize", SizeList(targets), temp.Path, .. photos]);
        foreach (string photo in photos)
        {
            using RgbImage decoded = _decoder.Decode(File.ReadAllBytes(photo));
            foreach ((int width, int height) in targets)
            {
                AssertMatchesPillowFile(temp, Path.GetFileName(photo), decoded.Pixels.ToArray(), decoded.Width, decoded.Height, width, height);
            }
        }
    }

    private static void AssertMatchesPillowFile(
        TempDirectory temp, string name, byte[] source, int sourceWidth, int sourceHeight, int width, int height)
    {
        var (pilWidth, pilHeight, expected) = PillowReference.ReadRgb(temp.Combine($"{name}@{width}x{height}.rgb"));
        Assert.Equal((width, height), (pilWidth, pilHeight));
        var actual = new byte[width * height * 3];
        PilResize.Resize(source, sourceWidth, sourceHeight, actual, width, height);
        PixelComparison.AssertIdentical(expected, actual, width, $"{name} {sourceWidth}×{sourceHeight} → {width}×{height}");
    }

    private static string SizeList((int Width, int Height)[] sizes) =>
        string.Join(',', sizes.Select(s => $"{s.Width}x{s.Height}"));

    private static byte[] RandomPixels(int width, int height, int seed)
    {
        var pixels = new byte[width * height * 3];
        new Random(seed).NextBytes(pixels);
        return pixels;
    }

    private static string SavePng(TempDirectory temp, string name, int width, int height, byte[] pixels)
    {
        string path = temp.Combine(name);
        using var image = Image.LoadPixelData<Rgb24>(pixels, width, height);
        image.SaveAsPng(path);
        return path;
    }
}
