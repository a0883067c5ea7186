using System.Buffers.Binary;
using Mae.Cluster.Inference.Checkpoints;
using Mae.Cluster.Inference.Imaging;

namespace Mae.Cluster.Inference.Tests.Imaging;

/// <summary>
/// The libjpeg-turbo modes refuse what the exact path refuses, in the same words: truncation, the decode limits
/// (from the header, before any pixel buffer), damaged data.
/// </summary>
public sealed class FastDecodeFailureTests
{
    public static TheoryData<ImageDecodeMode, bool> FastModes => new()
    {
        { ImageDecodeMode.LibjpegTurbo, true },
        { ImageDecodeMode.LibjpegTurbo, false },
        { ImageDecodeMode.LibjpegTurboDctScaled, true },
        { ImageDecodeMode.LibjpegTurboDctScaled, false },
    };

    [Theory]
    [MemberData(nameof(FastModes))]
    public void JpegPhotoCutInHalfFailsAsTruncated(ImageDecodeMode mode, bool systemLibrary)
    {
        byte[] photo = File.ReadAllBytes(TestPhotos.PathOf("mate-aqua.jpg"));
        var failure = Fail(mode, systemLibrary, photo[..(photo.Length / 2)]);
        Assert.Equal(ImageDecodeFailure.Truncated, failure.Failure);
        Assert.Equal("truncated JPEG: ends inside the compressed image data", failure.Reason);
    }

    [Theory]
    [MemberData(nameof(FastModes))]
    public void JpegMissingOnlyItsEndOfImageMarkerFailsAsTruncated(ImageDecodeMode mode, bool systemLibrary)
    {
        byte[] photo = File.ReadAllBytes(TestPhotos.PathOf("rocket.jpg"));
        var failure = Fail(mode, systemLibrary, photo[..^2]);
        Assert.Equal("truncated JPEG: ends inside the compressed image data", failure.Reason);
    }

    /// <summary>
    /// A header claiming 30000×30000 over a few bytes of data: decoding would need 2.7 GB, so it must be refused from
    /// the header alone, with the exact path's message.
    /// </summary>
    [Theory]
    [MemberData(nameof(FastModes))]
    public void JpegHeaderOverThePixelLimitFailsBeforeDecoding(ImageDecodeMode mode, bool systemLibrary)
    {
        byte[] forged = WithDimensions(File.ReadAllBytes(TestPhotos.PathOf("rocket.jpg")), 30_000, 30_000);
        var failure = Fail(mode, systemLibrary, forged);
        Assert.Equal(ImageDecodeFailure.TooLarge, failure.Failure);
        Assert.Equal("image 30000×30000 has 900,000,000 pixels, over the 89,478,485-pixel limit", failure.Reason);
    }

    [Theory]
    [MemberData(nameof(FastModes))]
    public void JpegHeaderOverTheDimensionLimitFailsBeforeDecoding(ImageDecodeMode mode, bool systemLibrary)
    {
        byte[] forged = WithDimensions(File.ReadAllBytes(TestPhotos.PathOf("rocket.jpg")), 40_000, 8);
        var failure = Fail(mode, systemLibrary, forged);
        Assert.Equal(ImageDecodeFailure.TooLarge, failure.Failure);
        Assert.Equal("image 40000×8 exceeds the 30000-pixel dimension limit", failure.Reason);
    }

    [Theory]
    [MemberData(nameof(FastModes))]
    public void ConfiguredPixelLimitAppliesToRealJpegs(ImageDecodeMode mode, bool systemLibrary)
    {
        var failure = Fail(mode, systemLibrary, File.ReadAllBytes(TestPhotos.PathOf("mate-aqua.jpg")), new ImageDecodeLimits { MaxPixels = 100_000 });
        Assert.Equal(ImageDecodeFailure.TooLarge, failure.Failure);
        Assert.Equal("image 1024×640 has 655,360 pixels, over the 100,000-pixel limit", failure.Reason);
    }

    [Theory]
    [MemberData(nameof(FastModes))]
    public void ConfiguredEncodedSizeLimitAppliesToJpegs(ImageDecodeMode mode, bool systemLibrary)
    {
        byte[] photo = File.ReadAllBytes(TestPhotos.PathOf("mate-aqua.jpg"));
        var failure = Fail(mode, systemLibrary, photo, new ImageDecodeLimits { MaxEncodedBytes = 50_000 });
        Assert.Equal(ImageDecodeFailure.TooLarge, failure.Failure);
        Assert.Equal("file of 64,902 bytes exceeds the 50,000-byte limit", failure.Reason);
    }

    public static TheoryData<ImageDecodeMode, bool, int> FastModesAndLengths => new()
    {
        { ImageDecodeMode.LibjpegTurbo, true, 5 },
        { ImageDecodeMode.LibjpegTurbo, false, 5 },
        { ImageDecodeMode.LibjpegTurboDctScaled, true, 2048 },
        { ImageDecodeMode.LibjpegTurboDctScaled, false, 2048 },
    };

    [Theory]
    [MemberData(nameof(FastModesAndLengths))]
    public void JpegSignatureOverGarbageFailsAsTheExactPathSays(ImageDecodeMode mode, bool systemLibrary, int length)
    {
        byte[] garbage = new byte[length];
        new Random(11).NextBytes(garbage);
        garbage[0] = 0xFF;
        garbage[1] = 0xD8;
        garbage[2] = 0xFF;
        var expected = Assert.Throws<ImageDecodeException>(() => new ImageDecoder().Decode(garbage));
        var failure = Fail(mode, systemLibrary, garbage);
        Assert.Equal((expected.Failure, expected.Reason), (failure.Failure, failure.Reason));
    }

    /// <summary>
    /// Damaged JPEGs (a few bytes overwritten at random, fixed seeds) decode and resize, or fail with an
    /// <see cref="ImageDecodeException"/>; nothing else escapes the native decoders.
    /// </summary>
    [Theory]
    [MemberData(nameof(FastModes))]
    public void DamagedJpegPreprocessesOrFailsWithAReason(ImageDecodeMode mode, bool systemLibrary)
    {
        var decoder = FastDecodeSupport.Decoder(mode, systemLibrary);
        var preprocessor = new ImagePreprocessor(PreprocessorConfig.Default, decodeMode: ImageDecodeMode.ImageSharp);
        var output = new float[preprocessor.OutputLength];
        byte[] original = File.ReadAllBytes(TestPhotos.PathOf("rocket.jpg"));
        var random = new Random(7);
        int failed = 0;
        for (int trial = 0; trial < 40; trial++)
        {
            byte[] damaged = (byte[])original.Clone();
            for (int i = 0; i < 4; i++)
            {
                int limit = random.Next(2) == 0 ? 700 : damaged.Length;
                damaged[random.Next(3, limit)] = (byte)random.Next(256);
            }

            try
            {
                using RgbImage image = FastDecodeSupport.Decode(decoder, damaged);
                preprocessor.Preprocess(image, output);
            }
            catch (ImageDecodeException exception)
            {
                Assert.False(string.IsNullOrWhiteSpace(exception.Reason));
                failed++;
            }
        }

        TestContext.Current.TestOutputHelper!.WriteLine($"{failed} of 40 damaged files failed with a reason; the rest decoded");
    }

    private static ImageDecodeException Fail(ImageDecodeMode mode, bool systemLibrary, byte[] encoded, ImageDecodeLimits? limits = null)
    {
        var decoder = FastDecodeSupport.Decoder(mode, systemLibrary, limits);
        return Assert.Throws<ImageDecodeException>(() => FastDecodeSupport.Decode(decoder, encoded).Dispose());
    }

    /// <summary>The JPEG with its start-of-frame header rewritten to claim <paramref name="width"/>×<paramref name="height"/>.</summary>
    private static byte[] WithDimensions(byte[] jpeg, int width, int height)
    {
        byte[] forged = (byte[])jpeg.Clone();
        int position = 2;
        while (forged[position] == 0xFF && forged[position + 1] is not (0xC0 or 0xC1 or 0xC2))
        {
            position += 2 + BinaryPrimitives.ReadUInt16BigEndian(forged.AsSpan(position + 2));
        }

        Assert.Equal(0xFF, forged[position]);
        // FF Cn, length (2), precision (1), height (2), width (2).
        BinaryPrimitives.WriteUInt16BigEndian(forged.AsSpan(position + 5), (ushort)height);
        BinaryPrimitives.WriteUInt16BigEndian(forged.AsSpan(position + 7), (ushort)width);
        return forged;
    }
}
