using System.Text;
using Mae.Cluster.Inference.Imaging;

namespace Mae.Cluster.Inference.Tests.Imaging;

/// <summary>Bad inputs end as an <see cref="ImageDecodeException"/> with a specific reason, never a crash.</summary>
public sealed class ImageDecoderFailureTests
{
    /// <summary>Managed allocation allowed while rejecting a forged header: far below any pixel buffer.</summary>
    private const long HeaderCheckAllocationBound = 2 * 1024 * 1024;

    private readonly ImageDecoder _decoder = new();

    [Fact]
    public void ZeroBytesFailAsEmpty()
    {
        var failure = Decode([]);
        Assert.Equal(ImageDecodeFailure.Empty, failure.Failure);
        Assert.Equal("empty file (0 bytes)", failure.Reason);
    }

    [Fact]
    public void RandomBytesFailAsNotAnImage()
    {
        var bytes = new byte[4096];
        new Random(5).NextBytes(bytes);
        var failure = Decode(bytes);
        Assert.Equal(ImageDecodeFailure.NotAnImage, failure.Failure);
        Assert.Equal("not an image (unrecognised format)", failure.Reason);
    }

    [Fact]
    public void TextFailsAsNotAnImage() =>
        Assert.Equal(ImageDecodeFailure.NotAnImage, Decode("key,label\ncat,1\n"u8.ToArray()).Failure);

    [Fact]
    public void JpegPhotoCutInHalfFailsAsTruncated()
    {
        byte[] photo = File.ReadAllBytes(TestPhotos.PathOf("mate-aqua.jpg"));
        var failure = Decode(photo[..(photo.Length / 2)]);
        Assert.Equal(ImageDecodeFailure.Truncated, failure.Failure);
        Assert.Equal("truncated JPEG: ends inside the compressed image data", failure.Reason);
    }

    [Fact]
    public void PngPhotoCutInHalfFailsAsTruncated()
    {
        byte[] photo = File.ReadAllBytes(TestPhotos.PathOf("coffee.png"));
        var failure = Decode(photo[..(photo.Length / 2)]);
        Assert.Equal(ImageDecodeFailure.Truncated, failure.Failure);
        Assert.Equal("truncated PNG: ends inside a IDAT chunk", failure.Reason);
    }

    [Fact]
    public void PngClaiming100000By100000FailsOnDimensionsWithoutAllocating()
    {
        byte[] png = CraftedPng.WithHeader(100_000, 100_000);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var failure = Decode(png);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(ImageDecodeFailure.TooLarge, failure.Failure);
        Assert.Equal("image 100000×100000 exceeds the 30000-pixel dimension limit", failure.Reason);
        Assert.True(allocated < HeaderCheckAllocationBound, $"rejecting the header allocated {allocated} bytes");
    }

    [Fact]
    public void PngOverThePixelLimitWithinTheDimensionLimitFailsWithoutAllocating()
    {
        byte[] png = CraftedPng.WithHeader(20_000, 20_000);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var failure = Decode(png);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(ImageDecodeFailure.TooLarge, failure.Failure);
        Assert.Equal("image 20000×20000 has 400,000,000 pixels, over the 89,478,485-pixel limit", failure.Reason);
        Assert.True(allocated < HeaderCheckAllocationBound, $"rejecting the header allocated {allocated} bytes");
    }

    [Fact]
    public void JpegHeaderClaiming60000By60000FailsOnDimensions()
    {
        byte[] jpeg = File.ReadAllBytes(TestPhotos.PathOf("rocket.jpg"));
        int frame = FindStartOfFrame(jpeg);
        // SOFn: marker, length (2), precision (1), height (2), width (2).
        jpeg[frame + 5] = jpeg[frame + 7] = 60_000 >> 8;
        jpeg[frame + 6] = jpeg[frame + 8] = 60_000 & 0xFF;

        var failure = Decode(jpeg);
        Assert.Equal(ImageDecodeFailure.TooLarge, failure.Failure);
        Assert.Equal("image 60000×60000 exceeds the 30000-pixel dimension limit", failure.Reason);
    }

    [Fact]
    public void PngWithZeroWidthFailsAsCorrupt() =>
        Assert.Equal(ImageDecodeFailure.Corrupt, Decode(CraftedPng.WithHeader(0, 10)).Failure);

    [Fact]
    public void CustomPixelLimitRejectsAnOrdinaryPhoto()
    {
        var decoder = new ImageDecoder(new ImageDecodeLimits { MaxPixels = 100_000 });
        var failure = Assert.Throws<ImageDecodeException>(() => decoder.Decode(File.ReadAllBytes(TestPhotos.PathOf("camera.png"))));
        Assert.Equal("image 512×512 has 262,144 pixels, over the 100,000-pixel limit", failure.Reason);
    }

    [Fact]
    public void FileOverTheEncodedSizeLimitFailsAsTooLarge()
    {
        var decoder = new ImageDecoder(new ImageDecodeLimits { MaxEncodedBytes = 50_000 });
        var failure = Assert.Throws<ImageDecodeException>(() => decoder.Decode(File.ReadAllBytes(TestPhotos.PathOf("coins.png"))));
        Assert.Equal(ImageDecodeFailure.TooLarge, failure.Failure);
        Assert.Equal("file of 75,825 bytes exceeds the 50,000-byte limit", failure.Reason);
    }

    [Fact]
    public void PdfFailsAsUnsupportedFormat()
    {
        byte[] pdf = Encoding.ASCII.GetBytes(
            "%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n" +
            "2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");
        var failure = Decode(pdf);
        Assert.Equal(ImageDecodeFailure.UnsupportedFormat, failure.Failure);
        Assert.Equal("unsupported format: PDF document", failure.Reason);
    }

    [Fact]
    public void SvgFailsAsUnsupportedFormat()
    {
        byte[] svg = Encoding.UTF8.GetBytes(
            "<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\">" +
            "<rect width=\"10\" height=\"10\" fill=\"red\"/></svg>\n");
        var failure = Decode(svg);
        Assert.Equal(ImageDecodeFailure.UnsupportedFormat, failure.Failure);
        Assert.Equal("unsupported format: SVG (vector graphics)", failure.Reason);
    }

    [Fact]
    public void HeicFailsAsUnsupportedFormat()
    {
        byte[] heic = [0, 0, 0, 0x18, .. "ftypheic"u8, 0, 0, 0, 0, .. "mif1heic"u8, .. new byte[32]];
        Assert.Equal("unsupported format: HEIF/HEIC", Decode(heic).Reason);
    }

    private ImageDecodeException Decode(byte[] bytes) => Assert.Throws<ImageDecodeException>(() => _decoder.Decode(bytes));

    private static int FindStartOfFrame(byte[] jpeg)
    {
        for (int i = 2; i + 1 < jpeg.Length; i++)
        {
            if (jpeg[i] == 0xFF && jpeg[i + 1] is 0xC0 or 0xC1 or 0xC2)
            {
                return i;
            }
        }

        throw new InvalidOperationException("no SOF marker");
    }
}
