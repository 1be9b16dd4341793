package io.rill.console;

import java.io.File;
import java.time.Duration;

import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Headless Chromium from the system's packages, driven by the system's chromedriver. Both paths are given
 * to Selenium, so its DriverFinder skips Selenium Manager ("path specified in Service class"): nothing is
 * downloaded. Without them the browser tests fail, saying what to install; they never skip.
 */
final class Browser {

    static final File CHROMIUM = new File("/usr/bin/chromium");
    static final File CHROMEDRIVER = new File("/usr/bin/chromedriver");

    private Browser() {
    }

    static ChromeDriver start() {
        if (!CHROMIUM.canExecute() || !CHROMEDRIVER.canExecute()) {
            throw new IllegalStateException("The console's browser tests need Debian's headless Chromium and its driver at "
                    + CHROMIUM + " and " + CHROMEDRIVER + ": apt-get install -y chromium chromium-driver (.ci/run installs them)");
        }
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER)
                .usingAnyFreePort()
                .build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1360,1000", "--lang=en-US");
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
        return driver;
    }
}
