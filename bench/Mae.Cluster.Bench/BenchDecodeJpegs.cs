using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Mae.Cluster.Client;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Mae.Cluster.Bench;

/// <summary>
/// The JPEGs <c>mae bench decode</c> measures: random crops of real photos scaled to ImageNet-like sizes (short side
/// 300–500, aspect 3:4 to 16:9, one in four portrait), encoded 4:2:0 by ImageSharp. Deterministic for a seed and a
/// photo folder, and cached so that repeated runs time the same bytes.
/// </summary>
internal static class BenchDecodeJpegs
{
    private const string CompleteMarker = "complete.txt";

    /// <summary>The JPEGs in <paramref name="directory"/> (*.jpg, *.jpeg), in ordinal name order.</summary>
    public static IReadOnlyList<string> FromDirectory(string directory)
    {
        if (!Directory.Exists(directory))
        {
            throw new RequestRefusedException($"--images: folder {directory} does not exist");
        }

        // Absolute, because tjbench runs in another working directory.
        var files = Directory.EnumerateFiles(Path.GetFullPath(directory))
            .Where(f => f.EndsWith(".jpg", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".jpeg", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)
            .ToList();
        return files.Count > 0 ? files : throw new RequestRefusedException($"--images: folder {directory} holds no .jpg or .jpeg files");
    }

    /// <summary>
    /// Returns the cached set for these parameters under <paramref name="cacheRoot"/>, making it first if needed.
    /// </summary>
    public static IReadOnlyList<string> Prepare(string photosDirectory, string cacheRoot, int count, int seed, int quality, TextWriter log)
    {
        string[] photos = SourcePhotos(photosDirectory);
        string key = string.Create(CultureInfo.InvariantCulture, $"n{count}-s{seed}-q{quality}-{Fingerprint(photos)}");
        string directory = Path.Combine(cacheRoot, key);
        if (File.Exists(Path.Combine(directory, CompleteMarker)))
        {
            return FromDirectory(directory);
        }

        log.WriteLine($"making {count} bench JPEGs from {photos.Length} photos in {photosDirectory} → {directory}");
        string staging = directory + ".partial-" + Guid.NewGuid().ToString("N")[..8];
        Directory.CreateDirectory(staging);
        try
        {
            Generate(photos, staging, count, seed, quality);
            File.WriteAllText(Path.Combine(staging, CompleteMarker), key + "\n");
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true); // an earlier run stopped half-way
            }

            Directory.Move(staging, directory);
        }
        finally
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
        }

        return FromDirectory(directory);
    }

    /// <summary>The photo folder: <paramref name="explicitDirectory"/>, else tests/data/photos above the current folder or the program.</summary>
    public static string FindPhotos(string? explicitDirectory)
    {
        if (explicitDirectory is not null)
        {
            return Directory.Exists(explicitDirectory)
                ? explicitDirectory
                : throw new RequestRefusedException($"--photos: folder {explicitDirectory} does not exist");
        }

        foreach (string start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var folder = new DirectoryInfo(start); folder is not null; folder = folder.Parent)
            {
                string candidate = Path.Combine(folder.FullName, "tests", "data", "photos");
                if (Directory.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        throw new RequestRefusedException("no tests/data/photos above the current folder: pass --photos DIR (real photos to crop) or --images DIR (ready JPEGs)");
    }

    private static string[] SourcePhotos(string directory)
    {
        string[] photos = [.. Directory.EnumerateFiles(directory)
            .Where(f => Path.GetExtension(f).ToUpperInvariant() is ".JPG" or ".JPEG" or ".PNG")
            .Order(StringComparer.Ordinal)];
        return photos.Length > 0 ? photos : throw new RequestRefusedException($"--photos: folder {directory} holds no .jpg or .png photos");
    }

    /// <summary>Names and sizes of the photos: a different folder content gives a different cache entry.</summary>
    private static string Fingerprint(string[] photos)
    {
        var text = new StringBuilder();
        foreach (string photo in photos)
        {
            text.Append(Path.GetFileName(photo)).Append(':').Append(new FileInfo(photo).Length).Append('\n');
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..12];
    }

    private static void Generate(string[] photos, string directory, int count, int seed, int quality)
    {
        var random = new Random(seed);
        var encoder = new JpegEncoder { Quality = quality, ColorType = JpegColorType.YCbCrRatio420 };
        for (int i = 0; i < count; i++)
        {
            using var image = Image.Load<Rgb24>(photos[random.Next(photos.Length)]);
            // Aspect log-uniform in 3:4..16:9 (landscape), a quarter turned portrait; short side uniform in 300..500.
            double aspect = Math.Exp(Math.Log(0.75) + (random.NextDouble() * Math.Log(16.0 / 9 / 0.75)));
            if (random.Next(4) == 0)
            {
                aspect = 1 / aspect;
            }

            int shortSide = 300 + random.Next(201);
            int width = aspect >= 1 ? (int)Math.Round(shortSide * aspect) : shortSide;
            int height = aspect >= 1 ? shortSide : (int)Math.Round(shortSide / aspect);

            // A crop of that aspect covering 60–100 % of the largest that fits, then scaled to the chosen size.
            double fit = Math.Min((double)image.Width / width, (double)image.Height / height);
            double scale = fit * (0.6 + (0.4 * random.NextDouble()));
            int cropWidth = Math.Clamp((int)(width * scale), 1, image.Width);
            int cropHeight = Math.Clamp((int)(height * scale), 1, image.Height);
            int x = random.Next(image.Width - cropWidth + 1), y = random.Next(image.Height - cropHeight + 1);
            image.Mutate(c => c.Crop(new Rectangle(x, y, cropWidth, cropHeight)).Resize(width, height, KnownResamplers.Bicubic));
            image.SaveAsJpeg(Path.Combine(directory, string.Create(CultureInfo.InvariantCulture, $"bench-{i:D4}.jpg")), encoder);
        }
    }
}
