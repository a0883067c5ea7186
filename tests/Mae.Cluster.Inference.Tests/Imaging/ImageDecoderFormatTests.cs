using System.Globalization;
using Mae.Cluster.Inference.Imaging;

namespace Mae.Cluster.Inference.Tests.Imaging;

/// <summary>Every supported format and variant decodes as Pillow's <c>convert("RGB")</c> does.</summary>
public sealed class ImageDecoderFormatTests(FormatSamples samples) : IClassFixture<FormatSamples>
{
    private readonly ImageDecoder _decoder = new();

    [Theory]
    [InlineData("rgb8.png")]
    [InlineData("gray8.png")]
    [InlineData("bilevel.png")]
    [InlineData("palette.png")]
    [InlineData("palette-transparent.png")]
    [InlineData("rgba.png")]
    [InlineData("la.png")]
    [InlineData("rgb16.png")]
    [InlineData("lossless.webp")]
    [InlineData("animated.gif")]
    [InlineData("rgb.bmp")]
    [InlineData("rgb.tiff")]
    [InlineData("lzw.tiff")]
    public void LosslessFormatDecodesExactlyAsPillow(string name)
    {
        using RgbImage image = _decoder.Decode(samples.Bytes(name));
        var (width, height, expected) = samples.PillowDecode(name);
        Assert.Equal((width, height), (image.Width, image.Height));
        PixelComparison.AssertIdentical(expected, image.Pixels, width, name);
    }

    /// <summary>
    /// Lossy formats decode within a small mean difference of libjpeg-turbo/libwebp (measured: under 1 level
    /// on these samples at full resolution; the test output has the figures).
    /// </summary>
    [Theory]
    [InlineData("baseline.jpg", 1.0)]
    [InlineData("gray.jpg", 1.0)]
    [InlineData("progressive.jpg", 1.0)]
    [InlineData("cmyk.jpg", 1.5)]
    [InlineData("lossy.webp", 1.0)]
    public void LossyFormatDecodesCloseToPillow(string name, double meanBound)
    {
        using RgbImage image = _decoder.Decode(samples.Bytes(name));
        var (width, height, expected) = samples.PillowDecode(name);
        Assert.Equal((width, height), (image.Width, image.Height));
        double mean = PixelComparison.MeanAbsoluteDifference(image.Pixels, expected);
        int max = PixelComparison.MaxAbsoluteDifference(image.Pixels, expected);
        TestContext.Current.TestOutputHelper!.WriteLine(string.Create(
            CultureInfo.InvariantCulture, $"{name}: mean |Δ| {mean:F3}, max |Δ| {max} levels"));
        Assert.True(mean < meanBound, string.Create(CultureInfo.InvariantCulture, $"{name}: mean difference {mean:F3} levels"));
    }

    [Fact]
    public void GrayscaleJpegIsReplicatedToThreeEqualChannels()
    {
        using RgbImage image = _decoder.Decode(samples.Bytes("gray.jpg"));
        ReadOnlySpan<byte> pixels = image.Pixels;
        for (int i = 0; i < pixels.Length; i += 3)
        {
            Assert.True(pixels[i] == pixels[i + 1] && pixels[i] == pixels[i + 2], $"pixel {i / 3} is not gray");
        }
    }

    [Fact]
    public void AlphaIsDroppedWithoutCompositing()
    {
        // The RGBA and LA samples are the RGB and gray samples plus an alpha gradient from 0 to 255.
        using RgbImage rgba = _decoder.Decode(samples.Bytes("rgba.png"));
        using RgbImage rgb = _decoder.Decode(samples.Bytes("rgb8.png"));
        Assert.True(rgba.Pixels.SequenceEqual(rgb.Pixels));
        using RgbImage la = _decoder.Decode(samples.Bytes("la.png"));
        using RgbImage gray = _decoder.Decode(samples.Bytes("gray8.png"));
        Assert.True(la.Pixels.SequenceEqual(gray.Pixels));
    }

    [Fact]
    public void SixteenBitGrayPngKeepsTheHighByte()
    {
        // Pillow clips 16-bit gray to 255 (its "I" mode quirk); we keep the high byte, which is the 8-bit sample.
        using RgbImage gray16 = _decoder.Decode(samples.Bytes("gray16.png"));
        var (width, _, expected) = samples.PillowDecode("gray8.png");
        PixelComparison.AssertIdentical(expected, gray16.Pixels, width, "gray16.png");
    }

    [Fact]
    public void AnimatedGifDecodesOnlyItsFirstFrame()
    {
        // Frames 2 and 3 are solid red and solid blue; the first is the photo.
        using RgbImage gif = _decoder.Decode(samples.Bytes("animated.gif"));
        using RgbImage photo = _decoder.Decode(samples.Bytes("rgb8.png"));
        Assert.True(PixelComparison.MeanAbsoluteDifference(gif.Pixels, photo.Pixels) < 8);
    }

    [Theory]
    [InlineData("baseline.jpg")]
    [InlineData("progressive.jpg")]
    [InlineData("gray.jpg")]
    [InlineData("cmyk.jpg")]
    [InlineData("rgb8.png")]
    [InlineData("palette.png")]
    [InlineData("rgb16.png")]
    [InlineData("lossless.webp")]
    [InlineData("lossy.webp")]
    [InlineData("animated.gif")]
    [InlineData("rgb.bmp")]
    [InlineData("rgb.tiff")]
    [InlineData("lzw.tiff")]
    public void SampleCutInHalfFailsAsTruncated(string name)
    {
        byte[] file = samples.Bytes(name);
        var exception = Assert.Throws<ImageDecodeException>(() => _decoder.Decode(file.AsSpan(0, file.Length / 2)));
        Assert.Equal(ImageDecodeFailure.Truncated, exception.Failure);
        Assert.StartsWith("truncated ", exception.Reason, StringComparison.Ordinal);
    }

    /// <summary>Pillow refuses these too ("image file is truncated").</summary>
    [Theory]
    [InlineData("baseline.jpg")]
    [InlineData("progressive.jpg")]
    public void JpegMissingOnlyItsEndOfImageMarkerFailsAsTruncated(string name)
    {
        byte[] file = samples.Bytes(name);
        var exception = Assert.Throws<ImageDecodeException>(() => _decoder.Decode(file.AsSpan(0, file.Length - 2)));
        Assert.Equal("truncated JPEG: ends inside the compressed image data", exception.Reason);
    }

    /// <summary>
    /// Without IEND, a PNG that stops right after an IDAT chunk may have lost further IDATs, so it is refused
    /// (Pillow would inflate and see); one whose image data is followed by another chunk is complete, as in Pillow.
    /// </summary>
    [Fact]
    public void PngWithoutIendIsTruncatedOnlyWhenItEndsAtImageData()
    {
        byte[] file = samples.Bytes("rgb8.png");
        byte[] withoutIend = file[..^12];
        var exception = Assert.Throws<ImageDecodeException>(() => _decoder.Decode(withoutIend));
        Assert.Equal("truncated PNG: no IEND chunk after the image data", exception.Reason);

        // A tEXt chunk (keyword k, text v) after the image data, then the end of the file.
        byte[] text = [0, 0, 0, 3, (byte)'t', (byte)'E', (byte)'X', (byte)'t', (byte)'k', 0, (byte)'v', 0xCB, 0x04, 0xF3, 0x90];
        using RgbImage image = _decoder.Decode([.. withoutIend, .. text]);
        var (width, _, expected) = samples.PillowDecode("rgb8.png");
        PixelComparison.AssertIdentical(expected, image.Pixels, width, "rgb8.png without IEND");
    }

    /// <summary>
    /// Damaged files (a few bytes overwritten at random, a fixed seed per file) either decode or fail with an
    /// <see cref="ImageDecodeException"/>; no other exception escapes the decoder.
    /// </summary>
    [Theory]
    [InlineData("baseline.jpg")]
    [InlineData("progressive.jpg")]
    [InlineData("rgb8.png")]
    [InlineData("palette.png")]
    [InlineData("rgb16.png")]
    [InlineData("lossless.webp")]
    [InlineData("lossy.webp")]
    [InlineData("animated.gif")]
    [InlineData("rgb.bmp")]
    [InlineData("lzw.tiff")]
    public void DamagedSampleDecodesOrFailsWithAReason(string name)
    {
        byte[] original = samples.Bytes(name);
        var random = new Random(name.Length * 7919);
        var failures = new Dictionary<ImageDecodeFailure, int>();
        for (int trial = 0; trial < 60; trial++)
        {
            byte[] damaged = (byte[])original.Clone();
            // Early bytes hold the headers, where damage is most interesting; later bytes are compressed data.
            for (int i = 0; i < 4; i++)
            {
                int limit = random.Next(2) == 0 ? Math.Min(256, damaged.Length) : damaged.Length;
                damaged[random.Next(limit)] = (byte)random.Next(256);
            }

            try
            {
                using RgbImage image = _decoder.Decode(damaged);
            }
            catch (ImageDecodeException exception)
            {
                Assert.False(string.IsNullOrWhiteSpace(exception.Reason));
                failures[exception.Failure] = failures.GetValueOrDefault(exception.Failure) + 1;
            }
        }

        TestContext.Current.TestOutputHelper!.WriteLine(
            $"{name}: failures {string.Join(", ", failures.Select(f => $"{f.Key} {f.Value}"))} of 60");
    }
}
