using Mae.Cluster.Grains.Hosting;
using Microsoft.Extensions.Hosting;

// A thin host: everything a silo is comes from configuration (appsettings.json, then MAE-prefixed or plain
// environment variables such as Mae__Cluster__Clustering), read by AddMaeSilo.
var builder = Host.CreateApplicationBuilder(args);
builder.AddMaeSilo();
await builder.Build().RunAsync().ConfigureAwait(false);
