using System.Buffers.Binary;
using Mae.Cluster.Inference.Checkpoints;
using Mae.Cluster.Inference.Imaging;

namespace Mae.Cluster.Inference.Tests.Imaging;

/// <summary>
/// The decode-mode setting: what each mode sends where, the DCT scale FastJpeg picks, that non-JPEG inputs are
/// untouched by it, that both libjpeg-turbo libraries agree, and that parallel use gives the sequential results.
/// </summary>
public sealed class FastDecodeModeTests(FormatSamples samples) : IClassFixture<FormatSamples>
{
    [Fact]
    public void PreprocessorDecodesInTheDefaultModeUnlessToldOtherwise()
    {
        Assert.Equal(ImagePreprocessor.DefaultDecodeMode, new ImagePreprocessor(PreprocessorConfig.Default).DecodeMode);
        Assert.Equal(ImageDecodeMode.ImageSharp, new ImagePreprocessor(PreprocessorConfig.Default, decodeMode: ImageDecodeMode.ImageSharp).DecodeMode);
        Assert.Equal("ImageSharp", new ImagePreprocessor(PreprocessorConfig.Default, decodeMode: ImageDecodeMode.ImageSharp).JpegDecoderName);
        Assert.Contains("libjpeg-turbo", new ImagePreprocessor(PreprocessorConfig.Default, decodeMode: ImageDecodeMode.LibjpegTurboDctScaled).JpegDecoderName, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownModeIsRejected() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new ImagePreprocessor(PreprocessorConfig.Default, decodeMode: (ImageDecodeMode)7));

    /// <summary>Exact mode is the decoder and resize the preprocessor always had: ImageSharp, then Pillow's filter.</summary>
    [Fact]
    public void ExactModeModelInputIsImageSharpsDecodeResized()
    {
        byte[] photo = File.ReadAllBytes(TestPhotos.PathOf("mate-aqua.jpg"));
        using RgbImage decoded = new ImageDecoder().Decode(photo);
        var reference = new ImagePreprocessor(PreprocessorConfig.Default, decodeMode: ImageDecodeMode.ImageSharp);
        float[] expected = new float[reference.OutputLength], actual = new float[reference.OutputLength];
        reference.Preprocess(decoded, expected);
        reference.Preprocess(photo, actual);
        Assert.Equal(expected, actual);

        float[] libjpeg = new float[reference.OutputLength];
        new ImagePreprocessor(PreprocessorConfig.Default, decodeMode: ImageDecodeMode.LibjpegTurbo).Preprocess(photo, libjpeg);
        Assert.NotEqual(expected, libjpeg); // the modes really decode differently
    }

    [Theory]
    [InlineData("rgb8.png")]
    [InlineData("palette.png")]
    [InlineData("rgba.png")]
    [InlineData("rgb16.png")]
    [InlineData("gray16.png")]
    [InlineData("lossless.webp")]
    [InlineData("lossy.webp")]
    [InlineData("animated.gif")]
    [InlineData("rgb.bmp")]
    [InlineData("lzw.tiff")]
    public void NonJpegInputIsDecodedExactlyAsInExactMode(string name)
    {
        byte[] file = samples.Bytes(name);
        float[] exact = Preprocess(ImageDecodeMode.ImageSharp, file);
        Assert.Equal(exact, Preprocess(ImageDecodeMode.LibjpegTurbo, file));
        Assert.Equal(exact, Preprocess(ImageDecodeMode.LibjpegTurboDctScaled, file));
    }

    [Fact]
    public void PngPhotosAreDecodedExactlyAsInExactMode()
    {
        foreach (string photo in TestPhotos.Png)
        {
            byte[] file = File.ReadAllBytes(photo);
            Assert.Equal(Preprocess(ImageDecodeMode.ImageSharp, file), Preprocess(ImageDecodeMode.LibjpegTurboDctScaled, file));
        }
    }

    [Theory]
    [InlineData(1024, 640, 224, 224, 2)]
    [InlineData(448, 448, 224, 224, 2)]
    [InlineData(447, 1000, 224, 224, 2)]  // ⌈447/2⌉ = 224: sizes round up, as libjpeg-turbo's do
    [InlineData(446, 1000, 224, 224, 1)]
    [InlineData(449, 449, 224, 224, 2)]   // ⌈449/4⌉ = 113 < 224
    [InlineData(1411, 1411, 224, 224, 4)] // ⌈1411/8⌉ = 177 < 224
    [InlineData(1793, 1793, 224, 224, 8)] // ⌈1793/8⌉ = 225
    [InlineData(3000, 2000, 160, 96, 8)]
    [InlineData(1000, 250, 160, 96, 2)]   // the height decides: ⌈250/4⌉ = 63 < 96
    [InlineData(200, 200, 224, 224, 1)]   // never upscaled, never below the target
    public void FastJpegPicksTheSmallestDctScaleCoveringTheTarget(int width, int height, int targetWidth, int targetHeight, int denominator) =>
        Assert.Equal(denominator, JpegDctScaling.Denominator(new ImageDimensions(width, height), targetWidth, targetHeight));

    [Theory]
    [MemberData(nameof(FastDecodeSupport.Libraries), MemberType = typeof(FastDecodeSupport))]
    public void FastJpegDecodesAtTheChosenScaleAndReportsTheOriginalSize(bool systemLibrary)
    {
        var decoder = FastDecodeSupport.Decoder(ImageDecodeMode.LibjpegTurboDctScaled, systemLibrary);
        (string Name, int Width, int Height)[] expected = [("mate-aqua.jpg", 512, 320), ("retina.jpg", 353, 353), ("rocket.jpg", 640, 427)];
        foreach (var (name, width, height) in expected)
        {
            using RgbImage image = decoder.Decode(File.ReadAllBytes(TestPhotos.PathOf(name)), new ImageDimensions(224, 224), out var original);
            Assert.Equal((name, width, height), (name, image.Width, image.Height));
            Assert.Equal((name, Jpeg(name)), (name, original));
        }

        var preprocessor = new ImagePreprocessor(PreprocessorConfig.Default, decodeMode: ImageDecodeMode.LibjpegTurboDctScaled);
        var size = preprocessor.Preprocess(File.ReadAllBytes(TestPhotos.PathOf("mate-aqua.jpg")), new float[preprocessor.OutputLength]);
        Assert.Equal(new ImageDimensions(1024, 640), size);
    }

    /// <summary>The system library and SkiaSharp's copy are both libjpeg-turbo with the same settings: same bytes.</summary>
    [Theory]
    [InlineData(ImageDecodeMode.LibjpegTurbo)]
    [InlineData(ImageDecodeMode.LibjpegTurboDctScaled)]
    public void SystemAndSkiaSharpLibjpegTurboGiveTheSamePixels(ImageDecodeMode mode)
    {
        var system = FastDecodeSupport.Decoder(mode, systemLibrary: true);
        var skia = FastDecodeSupport.Decoder(mode, systemLibrary: false);
        string[] names = ["baseline.jpg", "progressive.jpg", "gray.jpg", "cmyk.jpg"];
        var files = TestPhotos.Jpeg.Select(p => (Path.GetFileName(p), File.ReadAllBytes(p))).Concat(names.Select(n => (n, samples.Bytes(n))));
        foreach (var (name, file) in files)
        {
            using RgbImage expected = FastDecodeSupport.Decode(skia, file);
            using RgbImage actual = FastDecodeSupport.Decode(system, file);
            Assert.Equal((name, expected.Width, expected.Height), (name, actual.Width, actual.Height));
            PixelComparison.AssertIdentical(expected.Pixels, actual.Pixels, expected.Width, name);
        }
    }

    /// <summary>Pillow's convert("RGB") ignores EXIF orientation, and so do the libjpeg-turbo modes.</summary>
    [Theory]
    [MemberData(nameof(FastDecodeSupport.Libraries), MemberType = typeof(FastDecodeSupport))]
    public void ExifOrientationIsIgnored(bool systemLibrary)
    {
        var decoder = FastDecodeSupport.Decoder(ImageDecodeMode.LibjpegTurbo, systemLibrary);
        byte[] plain = samples.Bytes("baseline.jpg");
        byte[] rotated = [.. plain.AsSpan(0, 2), .. ExifOrientationSegment(6), .. plain.AsSpan(2)];
        using RgbImage expected = FastDecodeSupport.Decode(decoder, plain);
        using RgbImage actual = FastDecodeSupport.Decode(decoder, rotated);
        Assert.Equal((expected.Width, expected.Height), (actual.Width, actual.Height));
        PixelComparison.AssertIdentical(expected.Pixels, actual.Pixels, expected.Width, "baseline.jpg with EXIF orientation 6");
    }

    [Theory]
    [MemberData(nameof(FastDecodeSupport.Libraries), MemberType = typeof(FastDecodeSupport))]
    public void ParallelFastDecodingGivesTheSequentialResults(bool systemLibrary)
    {
        var decoder = FastDecodeSupport.Decoder(ImageDecodeMode.LibjpegTurboDctScaled, systemLibrary);
        var preprocessor = new ImagePreprocessor(PreprocessorConfig.Default, decodeMode: ImageDecodeMode.ImageSharp);
        byte[][] files = [.. TestPhotos.Jpeg.Concat(TestPhotos.Png).Select(File.ReadAllBytes)];
        float[] Run(byte[] file)
        {
            var output = new float[preprocessor.OutputLength];
            using RgbImage image = FastDecodeSupport.Decode(decoder, file);
            preprocessor.Preprocess(image, output);
            return output;
        }

        float[][] sequential = [.. files.Select(Run)];
        var parallel = new float[files.Length * 4][];
        Parallel.For(0, parallel.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i => parallel[i] = Run(files[i % files.Length]));
        for (int i = 0; i < parallel.Length; i++)
        {
            Assert.Equal(sequential[i % files.Length], parallel[i]);
        }
    }

    [Fact]
    public void RgbxRepackingKeepsRgbForEveryLength()
    {
        var random = new Random(3);
        for (int pixels = 1; pixels <= 41; pixels++)
        {
            byte[] rgbx = new byte[pixels * 4];
            random.NextBytes(rgbx);
            byte[] expected = new byte[pixels * 3], actual = new byte[pixels * 3];
            for (int i = 0; i < pixels; i++)
            {
                expected[i * 3] = rgbx[i * 4];
                expected[(i * 3) + 1] = rgbx[(i * 4) + 1];
                expected[(i * 3) + 2] = rgbx[(i * 4) + 2];
            }

            PixelRepacking.RgbxToRgb(rgbx, actual);
            Assert.Equal(expected, actual);
        }
    }

    private static float[] Preprocess(ImageDecodeMode mode, byte[] file)
    {
        var preprocessor = new ImagePreprocessor(PreprocessorConfig.Default, decodeMode: mode);
        var output = new float[preprocessor.OutputLength];
        preprocessor.Preprocess(file, output);
        return output;
    }

    private static ImageDimensions Jpeg(string name)
    {
        using RgbImage image = new ImageDecoder().Decode(File.ReadAllBytes(TestPhotos.PathOf(name)));
        return image.Dimensions;
    }

    /// <summary>An APP1 Exif segment whose only tag is Orientation = <paramref name="orientation"/>.</summary>
    private static byte[] ExifOrientationSegment(ushort orientation)
    {
        byte[] tiff = new byte[26];
        "II*\0"u8.CopyTo(tiff);
        BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(4), 8);        // first IFD
        BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(8), 1);        // one entry
        BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(10), 0x0112);  // Orientation
        BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(12), 3);       // SHORT
        BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(14), 1);       // count
        BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(18), orientation);
        // bytes 22..25: next IFD offset 0
        byte[] payload = [.. "Exif\0\0"u8, .. tiff];
        byte[] segment = new byte[4 + payload.Length];
        segment[0] = 0xFF;
        segment[1] = 0xE1;
        BinaryPrimitives.WriteUInt16BigEndian(segment.AsSpan(2), (ushort)(payload.Length + 2));
        payload.CopyTo(segment, 4);
        return segment;
    }
}
