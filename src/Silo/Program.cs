using Mae.Cluster.Grains.Hosting;
using Mae.Cluster.Silo.Web;
using Microsoft.AspNetCore.Builder;

// A thin host: everything a silo is comes from configuration (appsettings.json, then environment variables such as
// Mae__Cluster__Clustering), read by AddMaeSilo (Orleans, workers) and AddSiloWeb (health, dashboard).
var builder = WebApplication.CreateBuilder(args);
Mae.Cluster.Silo.Logging.ImpossibleStallFilter.WrapProviders(builder.Logging);
builder.AddMaeSilo();
builder.AddSiloWeb();
var app = builder.Build();
app.MapSiloWeb();
await app.RunAsync().ConfigureAwait(false);
