using System.Runtime.Intrinsics;
using Mae.Cluster.Inference.Checkpoints;
using Mae.Cluster.Inference.Imaging;
using Mae.Cluster.Inference.Tests.Imaging.Reference;

namespace Mae.Cluster.Inference.Tests.Imaging;

/// <summary>
/// Both resize paths of <see cref="ImagePreprocessor"/> — the fused vector one and the one machines without 256-bit
/// vectors take — against the frozen copy of what shipped before (Reference/), float for float, on real photos and on
/// noise of awkward sizes. That copy is itself compared with Pillow byte for byte (PilResizeTests's photos and noise
/// run the same code).
/// </summary>
public sealed class ResizeNormalizeTests
{
    /// <summary>Theory data: true = the fused vector path, false = PilResize and the value table.</summary>
    public static TheoryData<bool> Paths => [true, false];

    /// <summary>Source sizes for a 224 × 224 input: single pixels and lines, odd sizes around 224, up, down, one axis.</summary>
    public static TheoryData<int, int, bool> SyntheticSizes
    {
        get
        {
            (int, int)[] sizes =
            [
                (1, 1), (3, 500), (500, 3), (223, 225), (225, 223), (224, 224), (13, 7), (2, 2), (470, 439), (1024, 640),
                (224, 97), (97, 224), (4000, 31), (31, 4000),
            ];
            var data = new TheoryData<int, int, bool>();
            foreach ((int width, int height) in sizes)
            {
                data.Add(width, height, true);
                data.Add(width, height, false);
            }

            return data;
        }
    }

    [Fact]
    public void VectorPathIsTakenWhereVectorsAreAccelerated()
    {
        Assert.SkipUnless(Vector256.IsHardwareAccelerated, "256-bit vectors are not hardware-accelerated here");
        Assert.True(new ImagePreprocessor(PreprocessorConfig.Default).UsesVectorResize);
        Assert.False(Preprocessor(PreprocessorConfig.Default, vector: false).UsesVectorResize);
    }

    [Fact]
    public void InputNarrowerThanAVectorTakesTheTablePath() =>
        Assert.False(new ImagePreprocessor(PreprocessorConfig.Default with { Width = 7 }).UsesVectorResize);

    [Theory]
    [MemberData(nameof(Paths))]
    public void PhotosGiveTheShippedFloats(bool vector)
    {
        var preprocessor = Preprocessor(PreprocessorConfig.Default, vector);
        var decoder = new ImageDecoder();
        foreach (string photo in TestPhotos.Png.Concat(TestPhotos.Jpeg))
        {
            using RgbImage image = decoder.Decode(File.ReadAllBytes(photo));
            AssertShippedFloats(preprocessor, image, Path.GetFileName(photo));
        }
    }

    [Theory]
    [MemberData(nameof(SyntheticSizes))]
    public void NoiseOfAnySizeGivesTheShippedFloats(int width, int height, bool vector)
    {
        using RgbImage image = Noise(width, height, seed: width * 7919 + height);
        AssertShippedFloats(Preprocessor(PreprocessorConfig.Default, vector), image, $"noise {width}×{height}");
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void OtherInputSizesAndNormalizationsGiveTheShippedFloats(bool vector)
    {
        PreprocessorConfig[] configs =
        [
            PreprocessorConfig.Default with { Width = 160, Height = 96, ImageMean = [0.5f, 0.25f, 0.75f], ImageStd = [0.5f, 0.3f, 0.125f] },
            PreprocessorConfig.Default with { Width = 8, Height = 8 },
            PreprocessorConfig.Default with { Width = 9, Height = 300 },
            PreprocessorConfig.Default with { Width = 7, Height = 5 },
            PreprocessorConfig.Default with { DoRescale = false },
            PreprocessorConfig.Default with { DoNormalize = false },
            PreprocessorConfig.Default with { DoRescale = false, DoNormalize = false },
            PreprocessorConfig.Default with { RescaleFactor = 1.0 / 127.5 },
        ];
        using RgbImage noise = Noise(333, 251, seed: 5);
        using RgbImage photo = new ImageDecoder().Decode(TestPhotos.Bytes("chelsea.png"));
        foreach (var config in configs)
        {
            var preprocessor = Preprocessor(config, vector);
            string what = $"{config.Width}×{config.Height}, rescale {config.DoRescale} {config.RescaleFactor}, normalize {config.DoNormalize}";
            AssertShippedFloats(preprocessor, noise, "noise, " + what);
            AssertShippedFloats(preprocessor, photo, "chelsea.png, " + what);
        }
    }

    [Fact]
    public void ThreadsReusingTheirScratchAcrossSizesGiveTheSequentialFloats()
    {
        var preprocessor = new ImagePreprocessor(PreprocessorConfig.Default);
        RgbImage[] images = [.. Enumerable.Range(0, 12).Select(i => Noise(50 + (i * 97 % 900), 40 + (i * 61 % 700), seed: i))];
        try
        {
            float[][] expected = [.. images.Select(image => Run(preprocessor, image))];
            var actual = new float[images.Length * 8][];
            Parallel.For(0, actual.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 },
                i => actual[i] = Run(preprocessor, images[i % images.Length]));
            for (int i = 0; i < actual.Length; i++)
            {
                AssertSameFloats(expected[i % images.Length], actual[i], 224, 224, $"image {i % images.Length} on a pool thread");
            }
        }
        finally
        {
            foreach (var image in images)
            {
                image.Dispose();
            }
        }
    }

    private static ImagePreprocessor Preprocessor(PreprocessorConfig config, bool vector)
    {
        if (vector)
        {
            Assert.SkipUnless(Vector256.IsHardwareAccelerated, "256-bit vectors are not hardware-accelerated here");
        }

        return new ImagePreprocessor(config, null, ImagePreprocessor.DefaultDecodeMode, vector);
    }

    private static void AssertShippedFloats(ImagePreprocessor preprocessor, RgbImage image, string what)
    {
        var config = preprocessor.Config;
        float[] expected = ReferencePreprocessing.Preprocess(config, image.Pixels, image.Width, image.Height);
        AssertSameFloats(expected, Run(preprocessor, image), config.Width, config.Height,
            $"{what} ({image.Width}×{image.Height} → {config.Width}×{config.Height}, {(preprocessor.UsesVectorResize ? "vector" : "table")} path)");
    }

    private static float[] Run(ImagePreprocessor preprocessor, RgbImage image)
    {
        var output = new float[preprocessor.OutputLength];
        // Garbage first, so that an element the path forgets to write cannot pass as a zero.
        output.AsSpan().Fill(float.NaN);
        preprocessor.Preprocess(image, output);
        return output;
    }

    /// <summary>Bit equality of every float (so −0 ≠ +0 and NaN ≠ anything), naming the first difference.</summary>
    private static void AssertSameFloats(float[] expected, float[] actual, int width, int height, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        int mismatches = 0, first = -1;
        for (int i = 0; i < expected.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
            {
                mismatches++;
                first = first < 0 ? i : first;
            }
        }

        if (mismatches > 0)
        {
            int plane = width * height;
            Assert.Fail($"{what}: {mismatches} of {expected.Length} floats differ; first at channel {first / plane}, " +
                $"y={first % plane / width}, x={first % width}: expected {expected[first]:R}, got {actual[first]:R}");
        }
    }

    private static RgbImage Noise(int width, int height, int seed)
    {
        var pixels = new byte[width * height * 3];
        new Random(seed).NextBytes(pixels);
        return RgbImage.FromPixels(width, height, pixels);
    }
}
